"""`marshal audit verify [INCIDENT]`: check the audit trail's hash chains and publish approvals.

Exit 0 when every chain verifies, 1 on the first violation of any incident (each bad
incident is reported) or when the store cannot be read.
"""

from __future__ import annotations

import argparse
import sys

from bot.domain.audit import verify_chain, verify_publishes
from bot.domain.errors import BackendUnavailable
from bot.settings import Settings
from bot.wiring.stores import build_audit_log


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser("audit", help="check the audit trail")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify",
        help="verify hash chains and that every status-page publish follows its approval",
    )
    verify.add_argument("incident", nargs="?", help="one incident id (default: every incident)")
    verify.set_defaults(handler=verify_audit_trail)


def verify_audit_trail(args: argparse.Namespace, settings: Settings) -> int:
    try:
        audit_log = build_audit_log(settings)
        incident_ids = [args.incident] if args.incident else audit_log.incident_ids()
        violations, event_count = 0, 0
        for incident_id in incident_ids:
            events = audit_log.events(incident_id)
            if not events and args.incident:
                print(f"marshal: no audit events for incident {incident_id}", file=sys.stderr)
                return 1
            event_count += len(events)
            violation = verify_chain(incident_id, events) or verify_publishes(incident_id, events)
            if violation is not None:
                violations += 1
                print(f"violation: {violation}")
    except BackendUnavailable as exc:
        print(f"marshal: audit log unavailable: {exc}", file=sys.stderr)
        return 1
    if violations:
        print(f"FAILED: {violations} of {len(incident_ids)} incidents have a broken audit trail")
        return 1
    print(f"ok: {len(incident_ids)} incidents, {event_count} events")
    return 0
