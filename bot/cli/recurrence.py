"""`marshal recurrence [--days 30] [--json]`: services and alert groups with two or more real
incidents in the window, most first."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot.cli.report import _days

if TYPE_CHECKING:
    from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    recurrence = commands.add_parser(
        "recurrence", help="services and alert groups that had more than one incident"
    )
    recurrence.add_argument("--days", type=_days, default=30, help="window in days (default 30)")
    recurrence.add_argument("--json", action="store_true", help="print JSON")
    recurrence.set_defaults(handler=run_recurrence)


def run_recurrence(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta  # noqa: PLC0415

    from bot.domain.models import utcnow  # noqa: PLC0415 - light start-up
    from bot.services.followups.recurrence import incidents_since, recurrences  # noqa: PLC0415
    from bot.wiring.stores import build_store  # noqa: PLC0415

    found, truncated = incidents_since(build_store(settings), utcnow() - timedelta(days=args.days))
    recurring = recurrences(found)
    if args.json:
        items = [json.loads(r.model_dump_json()) for r in recurring]
        print(json.dumps({"days": args.days, "items": items, "truncated": truncated}, indent=2))
        return 0
    for r in recurring:
        print(f"{r.kind.value:<12} {r.key:<30} {r.count:>3}  last {r.last_at:%Y-%m-%d %H:%M}")
    if not recurring:
        print(f"Nothing recurred in the last {args.days} days.")
    if truncated:
        print("(only the newest incidents were read)")
    return 0
