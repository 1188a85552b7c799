"""`marshal queue …`: look into the event queue. `dead-letters` lists what was parked and why.

Payloads are never printed: they may carry personal data. The event id finds the rest.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from bot.domain.errors import BackendUnavailable, ConfigurationError

if TYPE_CHECKING:
    from bot.ports.queue import DeadLetter
    from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("queue", help="inspect the event queue")
    actions = group.add_subparsers(dest="queue_command", metavar="SUBCOMMAND", required=True)
    dead = actions.add_parser(
        "dead-letters", help="list events parked in the dead-letter queue, newest first"
    )
    dead.add_argument("--json", action="store_true", help="print a JSON array")
    dead.add_argument("--limit", type=_positive, default=100, help="show at most N (default 100)")
    dead.set_defaults(handler=dead_letters)


def dead_letters(args: argparse.Namespace, settings: Settings) -> int:
    # Loaded when the command runs: `marshal --help` must not pay for the AWS SDK and wiring.
    from bot.wiring.queues import build_queue  # noqa: PLC0415

    try:
        queue = build_queue(settings)
        try:
            letters = queue.dead_letters(limit=args.limit)
        finally:
            queue.close()
    except (BackendUnavailable, ConfigurationError) as exc:
        print(f"marshal: cannot read the dead letters: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([_as_json(letter) for letter in letters], indent=2))
    elif not letters:
        print("No dead letters.")
    else:
        _print_table(letters)
    return 0


def _as_json(letter: DeadLetter) -> dict[str, object]:
    return {
        "event_id": letter.message.event_id,
        "event_type": letter.message.event_type,
        "incident_id": letter.message.incident_id,
        "receive_count": letter.receive_count,
        "reason": letter.reason,
        "dead_at": letter.dead_at.isoformat() if letter.dead_at else None,
        "created_at": letter.message.created_at.isoformat(),
    }


def _print_table(letters: list[DeadLetter]) -> None:
    header = ("DEAD AT", "EVENT ID", "TYPE", "INCIDENT", "RECEIVES", "REASON")
    rows = [
        (
            letter.dead_at.strftime("%Y-%m-%d %H:%M:%S") if letter.dead_at else "-",
            letter.message.event_id,
            letter.message.event_type,
            letter.message.incident_id,
            str(letter.receive_count),
            letter.reason,
        )
        for letter in letters
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value
