"""The `marshal` command line: one module per command group, each registered in one line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from bot import __version__
from bot.cli import (
    api_tokens,
    audit,
    console,
    digest,
    drill,
    escalation,
    followups,
    incident,
    mcp,
    ops,
    queue,
    recurrence,
    report,
    runbook,
    serve,
)
from bot.domain.errors import ConfigurationError, MarshalError

if TYPE_CHECKING:
    from bot.settings import Settings

Handler = Callable[[argparse.Namespace, "Settings"], int]


class CommandGroup(Protocol):
    def register(self, commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


def _groups() -> list[CommandGroup]:
    return [
        serve,
        incident,
        audit,
        queue,
        drill,
        report,
        followups,
        digest,
        recurrence,
        runbook,
        ops,
        console,
        api_tokens,
        mcp,
        escalation,
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="marshal", description="Slack-first incident commander: alert in, war room out."
    )
    parser.add_argument("--version", action="version", version=f"marshal {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in _groups():
        group.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    # Settings (pydantic) load only once a command runs, so `--help` answers at once.
    from pydantic import ValidationError  # noqa: PLC0415

    from bot.settings import describe_error, load_settings  # noqa: PLC0415

    try:
        settings = load_settings()
    except ValidationError as exc:
        print(f"marshal: configuration error: {describe_error(exc)}", file=sys.stderr)
        return 2
    try:
        return handler(args, settings)
    except ConfigurationError as exc:
        print(f"marshal: configuration error: {exc}", file=sys.stderr)
        return 2
    except MarshalError as exc:  # e.g. the store is unreachable: say so in one line
        print(f"marshal: {exc}", file=sys.stderr)
        return 1
