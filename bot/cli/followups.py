"""`marshal followups list [--overdue] [--service S] [--json]` and `marshal followups gate
[--service S] [--severity P1,P2]`: the gate exits 1 listing the overdue open follow-ups of
incidents at those severities (0 when there are none), so a release pipeline can block a
deploy on it."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot.domain.severity import Severity

if TYPE_CHECKING:
    from bot.domain.followups import FollowUp
    from bot.settings import Settings


def _severities(text: str) -> list[str]:
    wanted = [part.strip().upper() for part in text.split(",") if part.strip()]
    unknown = [s for s in wanted if s not in Severity.__members__]
    if unknown or not wanted:
        raise argparse.ArgumentTypeError(f"{text!r}: list severities like P1,P2 (P1 to P5)")
    return wanted


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("followups", help="follow-ups: list them, gate a release on them")
    verbs = group.add_subparsers(dest="verb", metavar="VERB", required=True)
    listing = verbs.add_parser("list", help="open follow-ups, soonest due first")
    listing.add_argument("--overdue", action="store_true", help="only the overdue ones")
    listing.add_argument("--service", help="only the follow-ups of this service")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)
    gate = verbs.add_parser(
        "gate", help="exit 1 listing overdue open follow-ups of P1/P2 incidents, 0 when none"
    )
    gate.add_argument("--service", help="only the follow-ups of this service")
    gate.add_argument("--severity", type=_severities, default=["P1", "P2"], help="default P1,P2")
    gate.add_argument("--json", action="store_true", help="print JSON")
    gate.set_defaults(handler=run_gate)


def _line(f: FollowUp) -> str:
    owner = f.owner or "unowned"
    return (
        f"{f.id}  {f.status.value:<9}  due {f.due_at:%Y-%m-%d}  {f.priority.value}  "
        f"{owner:<12} {f.incident_id} ({f.incident_severity}, {f.service or '-'})  {f.text}"
    )


def _print(found: list[FollowUp], as_json: bool) -> None:
    if as_json:
        print(json.dumps([json.loads(f.model_dump_json()) for f in found], indent=2))
        return
    for followup in found:
        print(_line(followup))


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.models import utcnow  # noqa: PLC0415 - light start-up
    from bot.services.followups.listing import FollowUpScope, select  # noqa: PLC0415
    from bot.wiring.followups import build_followup_store  # noqa: PLC0415

    scope = FollowUpScope.OVERDUE if args.overdue else FollowUpScope.OPEN
    found = select(build_followup_store(settings), scope, now=utcnow(), service=args.service)
    _print(found, args.json)
    if not found and not args.json:
        print(f"No {scope.value} follow-ups.")
    return 0


def run_gate(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.models import utcnow  # noqa: PLC0415 - light start-up
    from bot.services.followups.listing import release_blockers  # noqa: PLC0415
    from bot.wiring.followups import build_followup_store  # noqa: PLC0415
    from bot.wiring.stores import build_store  # noqa: PLC0415

    store = build_store(settings)
    blockers = release_blockers(
        build_followup_store(settings),
        now=utcnow(),
        severities=args.severity,
        incident_of=store.get,
        service=args.service,
    )
    _print(blockers, args.json)
    if not args.json:
        scope = f" of {args.service}" if args.service else ""
        if blockers:
            print(
                f"marshal: {len(blockers)} overdue follow-up(s){scope} from "
                f"{','.join(args.severity)} incidents block this release."
            )
        else:
            print(f"No overdue follow-ups{scope} from {','.join(args.severity)} incidents.")
    return 1 if blockers else 0
