"""`marshal audit export`, `marshal audit verify --package FILE` and `marshal audit
public-key`: signed audit packages for auditors (bot/services/audit_packages)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.domain.errors import BackendUnavailable

if TYPE_CHECKING:
    from bot.settings import Settings


def register_export(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = actions.add_parser("export", help="write a signed audit package (JSON)")
    export.add_argument("--incident", help="one incident id")
    export.add_argument("--since", help="incidents triggered on or after this ISO date")
    export.add_argument("--service", help="only incidents of this service")
    export.add_argument(
        "--public-safe",
        action="store_true",
        help="replace people by role labels and scrub personal data (hashes of the originals kept)",
    )
    export.add_argument("--out", required=True, type=Path, help="where to write the package")
    export.set_defaults(handler=export_package)
    public_key = actions.add_parser(
        "public-key", help="print the Ed25519 public key that checks exported packages"
    )
    public_key.set_defaults(handler=print_public_key)


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def export_package(args: argparse.Namespace, settings: Settings) -> int:
    from bot.services.audit_packages.export import Selection  # noqa: PLC0415
    from bot.wiring.audit_keys import audit_keyring  # noqa: PLC0415
    from bot.wiring.audit_packages import build_exporter  # noqa: PLC0415
    from bot.wiring.stores import build_audit_log, build_store  # noqa: PLC0415

    if args.incident and (args.since or args.service):
        print("marshal: give --incident, or --since/--service, not both", file=sys.stderr)
        return 2
    try:
        selection = Selection(args.incident, _since(args.since), args.service)
    except ValueError:
        print(f"marshal: --since {args.since!r} is not an ISO date", file=sys.stderr)
        return 2
    keys = audit_keyring(settings)
    try:
        exporter = build_exporter(
            settings, build_store(settings), build_audit_log(settings, keys), keys
        )
        package = exporter.export(
            selection, by=f"cli:{getpass.getuser()}", public_safe=args.public_safe
        )
    except BackendUnavailable as exc:
        print(f"marshal: store unavailable: {exc}", file=sys.stderr)
        return 1
    count = len(package["incidents"])
    if args.incident and count == 0:
        print(f"marshal: no incident {args.incident}", file=sys.stderr)
        return 1
    args.out.write_text(json.dumps(package, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {count} incidents to {args.out} (signed {package['signature']['alg']})")
    return 0


def verify_package_file(path: Path, public_key: str | None, settings: Settings) -> int:
    from bot.adapters.sqlite.audit_key import embedded_key_path  # noqa: PLC0415
    from bot.domain.errors import ConfigurationError  # noqa: PLC0415
    from bot.services.audit_packages.verify import verify_package  # noqa: PLC0415
    from bot.wiring.audit_keys import audit_keyring  # noqa: PLC0415

    try:
        package = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"marshal: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    # The audit key checks HMAC signatures and each event's own hash; an outside auditor has
    # none (Ed25519 packages verify without it). Never create the embedded key file here.
    has_key = settings.marshal_audit_key is not None or (
        settings.marshal_store == "sqlite" and embedded_key_path(settings.marshal_db_path).exists()
    )
    try:
        keys = audit_keyring(settings) if has_key else None
    except ConfigurationError:
        keys = None
    problems = verify_package(package, keys=keys, trusted_public_key=public_key)
    for problem in problems:
        print(f"violation: {problem}")
    if problems:
        print(f"FAILED: {path} does not verify")
        return 1
    held = len(package.get("incidents", []))
    events = sum(len(i.get("events", [])) for i in package.get("incidents", []))
    print(f"ok: {held} incidents, {events} events, signature {package['signature']['alg']}")
    return 0


def print_public_key(_: argparse.Namespace, settings: Settings) -> int:
    from bot.services.audit_packages.signing import (  # noqa: PLC0415
        load_signing_key,
        public_key_text,
    )

    secret = settings.marshal_audit_signing_key
    if secret is None:
        print(
            "marshal: MARSHAL_AUDIT_SIGNING_KEY is not set; packages are HMAC-signed with "
            "MARSHAL_AUDIT_KEY",
            file=sys.stderr,
        )
        return 1
    print(public_key_text(load_signing_key(secret.get_secret_value())))
    return 0
