"""`marshal digest [--week YYYY-Www] [--out DIR]`: write the weekly digest's `YYYY-Www.md` and
`YYYY-Www.json` (the last complete week unless named; MARSHAL_REPORTS_DIR unless --out)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    digest = commands.add_parser("digest", help="write the weekly incident digest (md + json)")
    digest.add_argument("--week", help="ISO week, e.g. 2026-W48 (default: the last full week)")
    digest.add_argument("--out", type=Path, help="folder (default MARSHAL_REPORTS_DIR)")
    digest.set_defaults(handler=run_digest)


def run_digest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.models import utcnow  # noqa: PLC0415 - light start-up
    from bot.services.followups.digest import (  # noqa: PLC0415
        WeekError,
        build_digest,
        previous_week,
        week_start,
        write_digest,
    )
    from bot.wiring.followups import build_followup_store  # noqa: PLC0415
    from bot.wiring.stores import build_store  # noqa: PLC0415

    week = args.week or previous_week(utcnow())
    try:
        week_start(week)
    except WeekError as exc:
        print(f"marshal: {exc}")
        return 2
    digest = build_digest(build_store(settings), build_followup_store(settings), week)
    for path in write_digest(digest, args.out or settings.marshal_reports_dir):
        print(path)
    return 0
