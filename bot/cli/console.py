"""`marshal console login-link --user U…`: a one-time link that signs someone in to the web
console (bot/web/console/login_links.py).

For the sandbox and single-machine use, where there is no OpenID Connect provider. The link
is signed with the console key (derived from the audit key, so this needs the same
MARSHAL_AUDIT_KEY as the server), works once, and expires after --expires (default 10m).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from bot.domain.durations import DurationError, parse_duration

if TYPE_CHECKING:
    from bot.settings import Settings

MAX_EXPIRY_SECONDS = 24 * 3600


def _expiry(text: str) -> int:
    try:
        return parse_duration(text, maximum=MAX_EXPIRY_SECONDS)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(f"{exc} (at most 24h)") from exc


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    console = commands.add_parser("console", help="the web console")
    actions = console.add_subparsers(dest="console_command", metavar="ACTION", required=True)
    link = actions.add_parser(
        "login-link", help="print a one-time link that signs someone in to the web console"
    )
    link.add_argument(
        "--user", required=True, help="who it signs in: their Slack user id (e.g. U0ALICE)"
    )
    link.add_argument(
        "--expires", type=_expiry, default=600, help="how long it works, e.g. 10m (max 24h)"
    )
    link.add_argument("--json", action="store_true", help="print JSON")
    link.set_defaults(handler=login_link)


def login_link(args: argparse.Namespace, settings: Settings) -> int:
    # Loaded when the command runs: `marshal --help` must not pay for the wiring.
    from bot.web.console.login_links import LoginLinkSigner, console_secret  # noqa: PLC0415
    from bot.wiring.audit_keys import audit_keyring  # noqa: PLC0415
    from bot.wiring.console import console_url  # noqa: PLC0415

    # Issuing needs only the key; the console claims the token in the store when redeemed.
    token = LoginLinkSigner(console_secret(audit_keyring(settings))).issue(
        args.user, ttl_seconds=args.expires
    )
    url = f"{console_url(settings)}/login/{token}"
    if args.json:
        print(json.dumps({"url": url, "user": args.user, "expires_in_seconds": args.expires}))
    else:
        print(f"{url}\n(signs in {args.user} once, within {args.expires} s)")
    return 0
