"""`marshal incident list [--all] [--json]` and `marshal incident show ID [--json]`:
what the store holds, as a table for people or JSON for scripts."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.domain.errors import BackendUnavailable

if TYPE_CHECKING:
    from bot.domain.models import Incident
    from bot.settings import Settings

_TIMESTAMPS = (
    "triggered_at",
    "acknowledged_at",
    "assembled_at",
    "mitigated_at",
    "resolved_at",
    "closed_at",
    "updated_at",
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    incident = commands.add_parser("incident", help="list and show incidents")
    actions = incident.add_subparsers(dest="incident_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="open incidents, newest first")
    listing.add_argument("--all", action="store_true", help="include resolved and closed ones")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=list_incidents)
    show = actions.add_parser("show", help="one incident with its timeline and audit events")
    show.add_argument("id", help="incident id, e.g. inc-0abc123def45gh")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=show_incident)


def list_incidents(args: argparse.Namespace, settings: Settings) -> int:
    # Loaded when the command runs: `marshal --help` must not pay for the AWS SDK and wiring.
    from bot.wiring.stores import build_store  # noqa: PLC0415

    try:
        store = build_store(settings)
        incidents: list[Incident] = []
        cursor: str | None = None
        while True:
            page = store.list_incidents(open_only=not args.all, limit=100, cursor=cursor)
            incidents.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
    except BackendUnavailable as exc:
        print(f"marshal: incident store unavailable: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([i.model_dump(mode="json") for i in incidents], indent=2))
        return 0
    if not incidents:
        print("no incidents" if args.all else "no open incidents (--all shows every incident)")
        return 0
    rows = [
        [
            i.id,
            i.status.value,
            i.severity.value,
            _when(i.triggered_at),
            i.channel_id or "-",
            i.title,
        ]
        for i in incidents
    ]
    print(_table(["ID", "STATUS", "SEV", "TRIGGERED", "CHANNEL", "TITLE"], rows))
    return 0


def show_incident(args: argparse.Namespace, settings: Settings) -> int:
    # Loaded when the command runs: `marshal --help` must not pay for the AWS SDK and wiring.
    from bot.wiring.stores import build_audit_log, build_store  # noqa: PLC0415

    try:
        store = build_store(settings)
        incident = store.get(args.id)
        if incident is None:
            print(f"marshal: no incident with id {args.id!r}", file=sys.stderr)
            return 1
        timeline = store.list_timeline(incident.id)
        events = build_audit_log(settings).events(incident.id)
    except BackendUnavailable as exc:
        print(f"marshal: incident store unavailable: {exc}", file=sys.stderr)
        return 1
    if args.json:
        shown: dict[str, Any] = incident.model_dump(mode="json")
        shown["timeline"] = [t.model_dump(mode="json") for t in timeline]
        shown["audit"] = [e.model_dump(mode="json") for e in events]
        print(json.dumps(shown, indent=2))
        return 0
    fields = [
        ("id", incident.id),
        ("title", incident.title),
        ("status", incident.status.value),
        ("severity", incident.severity.value),
        ("service", incident.service or "-"),
        ("channel", incident.channel_id or "-"),
        ("commander", incident.commander or "-"),
        ("alerts", str(incident.alert_count)),
        *((name, _when(getattr(incident, name))) for name in _TIMESTAMPS),
    ]
    print(_table(["FIELD", "VALUE"], [list(f) for f in fields]))
    print(f"\ntimeline ({len(timeline)}):")
    for entry in timeline:
        print(f"  {_when(entry.at)}  {entry.author}  [{entry.kind.value}] {entry.text}")
    print(f"\naudit events ({len(events)}):")
    for event in events:
        print(f"  #{event.seq}  {_when(event.at)}  {event.actor}  {event.action.value}")
    return 0


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if moment else "-"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
        for row in [header, *rows]
    ]
    return "\n".join(line.rstrip() for line in lines)
