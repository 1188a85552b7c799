"""`marshal api-token create NAME --scope read|write`, `list [--json]`, `revoke NAME|ID`.

`create` prints the token once (only its hash is stored: it cannot be shown again); list
shows names, ids, scopes and whether each is revoked, never a token. Creating and revoking
are audited on the workspace chain, as the OS user who ran the command.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING

from bot.domain.errors import BackendUnavailable

if TYPE_CHECKING:
    from bot.services.operator.tokens import TokenAuthority
    from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tokens = commands.add_parser("api-token", help="create, list and revoke operator API tokens")
    actions = tokens.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument("name", help="who or what uses it, e.g. ci-bot (the audit trail's actor)")
    create.add_argument("--scope", choices=["read", "write"], default="read")
    create.set_defaults(handler=create_token)
    listing = actions.add_parser("list", help="every token, revoked ones too (never the token)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=list_tokens)
    revoke = actions.add_parser("revoke", help="revoke a token by id, or every one with a name")
    revoke.add_argument("token", metavar="NAME|ID")
    revoke.set_defaults(handler=revoke_token)


def _authority(settings: Settings) -> TokenAuthority:
    # Loaded when the command runs: `marshal --help` must not pay for the wiring.
    from bot.wiring.operator_api import build_token_authority  # noqa: PLC0415
    from bot.wiring.stores import build_audit_log  # noqa: PLC0415

    return build_token_authority(settings, build_audit_log(settings))


def _operator() -> str:
    return f"cli:{getpass.getuser()}"


def create_token(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain.api_tokens import TokenScope  # noqa: PLC0415

    try:
        created = _authority(settings).create(args.name, TokenScope(args.scope), by=_operator())
    except ValueError as exc:
        print(f"marshal: {exc}", file=sys.stderr)
        return 2
    except BackendUnavailable as exc:
        print(f"marshal: store unavailable: {exc}", file=sys.stderr)
        return 1
    print(f"created {created.record.scope.value} token {args.name!r} ({created.record.id}):")
    print(created.text)
    print("It is shown only now; marshal keeps its hash. Send it as `Authorization: Bearer ...`.")
    return 0


def list_tokens(args: argparse.Namespace, settings: Settings) -> int:
    try:
        found = _authority(settings).list_tokens()
    except BackendUnavailable as exc:
        print(f"marshal: store unavailable: {exc}", file=sys.stderr)
        return 1
    if args.json:
        rows = [t.model_dump(mode="json", exclude={"token_sha256"}) for t in found]
        print(json.dumps(rows, indent=2))
        return 0
    if not found:
        print("no API tokens")
    for t in found:
        state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
        print(f"{t.id}  {t.name:<24} {t.scope.value:<5}  created {t.created_at:%Y-%m-%d}  {state}")
    return 0


def revoke_token(args: argparse.Namespace, settings: Settings) -> int:
    try:
        revoked = _authority(settings).revoke(args.token, by=_operator())
    except BackendUnavailable as exc:
        print(f"marshal: store unavailable: {exc}", file=sys.stderr)
        return 1
    if not revoked:
        print(f"marshal: no active token named or with id {args.token!r}", file=sys.stderr)
        return 1
    for t in revoked:
        print(f"revoked {t.name!r} ({t.id})")
    return 0
