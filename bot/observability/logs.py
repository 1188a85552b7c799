"""Structured JSON log lines on stderr, with anything token-shaped redacted before it is written."""

from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

# Slack, AWS, GitHub, Anthropic, bearer and JWT shapes: belt and braces on top of never
# passing secrets to a logger in the first place.
_TOKEN = re.compile(
    r"(xox[abprs]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|sk-ant-[A-Za-z0-9_-]{10,}|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
)


def redact(text: str) -> str:
    return _TOKEN.sub("[redacted]", text)


class RedactingJsonFormatter(JsonFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


# Libraries that log request and event payloads (user-typed text, tokens, secret values) below
# WARNING. slack_sdk logs request bodies and every Socket Mode message at DEBUG, Bolt its
# responses; botocore logs AWS responses (Secrets Manager values included).
QUIET_LIBRARIES = (
    "slack_sdk",
    "slack_bolt",
    "botocore",
    "boto3",
    "urllib3",
    "uvicorn.access",
    "apscheduler",
)


class QuietLibraries(logging.Filter):
    """Drops records below WARNING from QUIET_LIBRARIES and from Bolt's per-app loggers.

    A logger level is not enough: Bolt builds its loggers with the ROOT logger's level
    (slack_bolt/logger: `_configure_from_root`), so at MARSHAL_LOG_LEVEL=DEBUG its
    `slack_bolt.App` logger, which also runs the Socket Mode client, logs whole payloads.
    Its per-listener loggers are named `<app name>:<function>`; marshal's own loggers are
    module paths and never hold a colon.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        name = record.name
        quiet = ":" in name or any(
            name == library or name.startswith(f"{library}.") for library in QUIET_LIBRARIES
        )
        return not quiet


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(QuietLibraries())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for library in QUIET_LIBRARIES:  # cheap: their records below WARNING are not even built
        logging.getLogger(library).setLevel(logging.WARNING)
