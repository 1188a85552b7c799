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


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingJsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # slack_sdk logs request bodies at DEBUG; keep third-party chatter at WARNING
    for noisy in (
        "slack_sdk",
        "slack_bolt",
        "botocore",
        "urllib3",
        "uvicorn.access",
        "apscheduler",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
