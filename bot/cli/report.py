"""`marshal report [--days N] [--json]`: the same MTTA / MTTR report as `/marshal report`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.domain.durations import DurationError, parse_days
from bot.domain.errors import BackendUnavailable

if TYPE_CHECKING:
    from bot.settings import Settings


def _days(text: str) -> int:
    try:
        return parse_days(text, maximum_days=365)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (1 to 365 days)") from exc


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = commands.add_parser("report", help="MTTA, MTTR and incident counts over a window")
    report.add_argument("--days", type=_days, default=7, help="window in days (default 7)")
    report.add_argument("--json", action="store_true", help="print JSON")
    report.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    # Loaded when the command runs: `marshal --help` must not pay for the AWS SDK and wiring.
    from bot.services.incident_report import build_report, render_report  # noqa: PLC0415
    from bot.wiring.stores import build_store  # noqa: PLC0415

    try:
        report = build_report(build_store(settings), args.days)
    except BackendUnavailable as exc:
        print(f"marshal: the store is unavailable: {exc}")
        return 1
    print(report.model_dump_json(indent=2) if args.json else render_report(report))
    return 0
