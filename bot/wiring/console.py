"""Build the web console (bot/web/console) from settings and the process's backends."""

from __future__ import annotations

from starlette.types import ASGIApp

from bot.adapters.group_directory import UnreadableGroups
from bot.domain.errors import ConfigurationError
from bot.ports.group_directory import GroupDirectory
from bot.services.followups.desk import FollowUpDesk
from bot.services.permissions import IncidentPermissions
from bot.settings import Settings
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from bot.web.console.app import SLACK_ROOM_LINK, ConsoleDependencies, build_console
from bot.web.console.oidc import OidcClient
from bot.wiring.audit_keys import audit_keyring
from bot.wiring.audit_packages import build_exporter
from bot.wiring.backends import Backends
from bot.wiring.followups import build_followup_store
from bot.wiring.operations import build_runs_store
from bot.wiring.operator_api import WriteSide, console_commands
from bot.wiring.status_page import build_draft_store

OIDC_NAMES = ("MARSHAL_OIDC_ISSUER", "MARSHAL_OIDC_CLIENT_ID", "MARSHAL_OIDC_CLIENT_SECRET")


def build_oidc(settings: Settings) -> OidcClient | None:
    secret = settings.marshal_oidc_client_secret
    values = (settings.marshal_oidc_issuer, settings.marshal_oidc_client_id, secret)
    if not any(values):
        return None
    missing = [name for name, value in zip(OIDC_NAMES, values, strict=True) if not value]
    if missing or secret is None or settings.marshal_oidc_issuer is None:
        raise ConfigurationError(f"OpenID Connect sign-in also needs {', '.join(missing)}")
    return OidcClient(
        settings.marshal_oidc_issuer,
        str(settings.marshal_oidc_client_id),
        secret.get_secret_value(),
    )


def group_directory(settings: Settings) -> GroupDirectory:
    """Approver user groups for the console's permission checks: read through the Slack Web
    API when SLACK_BOT_TOKEN is set, else a directory that says what to set."""
    if settings.slack_bot_token is None:
        return UnreadableGroups()
    token = settings.slack_bot_token.get_secret_value()
    return WebClientSlackGateway(build_web_client(token, settings.slack_api_url))


def build_console_app(
    settings: Settings,
    backends: Backends,
    *,
    room_link: str | None = None,
    writes: WriteSide | None = None,
) -> ASGIApp:
    followups = build_followup_store(settings)
    permissions = IncidentPermissions(settings.marshal_approvers, group_directory(settings))
    return build_console(
        ConsoleDependencies(
            store=backends.store,
            audit=backends.audit,
            commands=console_commands(
                backends.store, backends.audit, backends.queue, writes, settings.marshal_command
            ),
            keys=audit_keyring(settings),
            drafts=build_draft_store(settings),
            followups=followups,
            followup_desk=FollowUpDesk(
                followups,
                backends.store,
                backends.audit,
                permissions,
                incident_of=backends.store.get,
            ),
            runs=build_runs_store(settings),
            exporter=build_exporter(
                settings, backends.store, backends.audit, audit_keyring(settings)
            ),
            reports_dir=settings.marshal_reports_dir,
            oidc=build_oidc(settings),
            room_link=room_link or SLACK_ROOM_LINK,
            secure_cookies=settings.marshal_console_secure_cookies,
        )
    )


def console_url(settings: Settings) -> str:
    """Where people reach the console (MARSHAL_CONSOLE_URL, else this machine's server)."""
    if settings.marshal_console_url:
        return settings.marshal_console_url.rstrip("/")
    host = settings.marshal_http_host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.marshal_http_port}/console"
