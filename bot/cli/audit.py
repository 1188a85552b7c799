"""`marshal audit verify [INCIDENT]`: check the audit trail (bot/services/audit_verifier.py);
`--package FILE`, `export` and `public-key` work on exported packages (cli/audit_packages.py).

One line per problem, naming the incident (or the non-incident chain, e.g. `workspace`);
exit 0 when every chain verifies, 1 when any does not or the store cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import audit_packages
from bot.domain.errors import BackendUnavailable

if TYPE_CHECKING:
    from bot.services.audit_verifier import ChainReport
    from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = commands.add_parser("audit", help="check the audit trail")
    actions = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify",
        help="verify the keyed hash chains, their anchored heads, and that every status-page "
        "publish follows its approval",
    )
    verify.add_argument("incident", nargs="?", help="one incident id (default: every incident)")
    verify.add_argument("--package", type=Path, help="verify an exported audit package instead")
    verify.add_argument("--public-key", help="with --package: the Ed25519 key it must be signed by")
    verify.set_defaults(handler=verify_audit_trail)
    audit_packages.register_export(actions)


def verify_audit_trail(args: argparse.Namespace, settings: Settings) -> int:
    # Loaded when the command runs: `marshal --help` must not pay for the AWS SDK and wiring.
    from bot.services.audit_verifier import AuditVerifier  # noqa: PLC0415
    from bot.wiring.audit_keys import audit_keyring  # noqa: PLC0415
    from bot.wiring.stores import build_audit_log, build_store  # noqa: PLC0415

    if args.package is not None:
        return audit_packages.verify_package_file(args.package, args.public_key, settings)
    try:
        keys = audit_keyring(settings)
        audit_log = build_audit_log(settings, keys)
        verifier = AuditVerifier(audit_log, build_store(settings), keys)
        if args.incident:
            report = verifier.verify(args.incident, is_incident=verifier.is_incident(args.incident))
            if not report.is_incident and not report.events and not report.problems:
                print(f"marshal: no audit events for incident {args.incident}", file=sys.stderr)
                return 1
            reports = [report]
        else:
            reports = verifier.verify_all()
    except BackendUnavailable as exc:
        print(f"marshal: audit log unavailable: {exc}", file=sys.stderr)
        return 1
    return _print(reports)


def _print(reports: list[ChainReport]) -> int:
    incidents = [r for r in reports if r.is_incident]
    others = [r for r in reports if not r.is_incident]
    for report in reports:
        for problem in report.problems:
            print(f"violation: {problem}")
    events = sum(r.events for r in incidents)
    other_chains = ""
    if others:
        names = ", ".join(f"{r.chain_id} ({r.events} events)" for r in others)
        other_chains = f"; other chains: {names}"
    broken = [r for r in incidents if r.problems]
    broken_others = [r for r in others if r.problems]
    if broken or broken_others:
        line = f"FAILED: {len(broken)} of {len(incidents)} incidents have a broken audit trail"
        if broken_others:
            line += f"; {len(broken_others)} of {len(others)} other chains are broken"
        print(line)
        return 1
    print(f"ok: {len(incidents)} incidents, {events} events{other_chains}")
    return 0
