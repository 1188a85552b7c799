"""build_console: the console's Starlette app, mounted at /console on the web server.

Middleware, outermost first: the security headers (bot/web/console/headers.py) on every
answer, then the signed-cookie session (Starlette's SessionMiddleware, itsdangerous, keyed
with the console key derived from the audit key). Routes: sign-in (sign_in.py), the pages and
actions (pages.py), and the stylesheet.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from bot.domain.audit_keys import AuditKeyring
from bot.ports.audit import AuditLog
from bot.ports.drafts import DraftStore
from bot.ports.followups import FollowUpStore
from bot.ports.runbooks import OperationRuns
from bot.ports.store import IncidentStore
from bot.services.audit_packages.export import AuditPackageExporter
from bot.services.audit_verifier import AuditVerifier
from bot.services.followups.desk import FollowUpDesk
from bot.services.operator.commands import OperatorCommands
from bot.services.operator.incident_detail import DetailSection, IncidentDetailReader
from bot.web.console.actions import ConsoleActions
from bot.web.console.audit_export import AuditExportPages
from bot.web.console.digests_page import DigestPages
from bot.web.console.followups_page import FollowUpPages
from bot.web.console.headers import SecurityHeaders
from bot.web.console.incident_view import IncidentReader
from bot.web.console.login_links import LoginLinks, LoginLinkSigner, console_secret
from bot.web.console.oidc import OidcClient
from bot.web.console.pages import IncidentPages
from bot.web.console.rendering import Pages
from bot.web.console.runs_page import RunPages
from bot.web.console.sessions import SESSION_COOKIE, SESSION_SECONDS
from bot.web.console.sign_in import SignIn
from bot.web.dependencies import WorkerThreads

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MOUNT_PATH = "/console"  # where bot/web/app.py mounts it; the session cookie is scoped to it
SLACK_ROOM_LINK = "https://slack.com/app_redirect?channel="


@dataclass
class ConsoleDependencies:
    store: IncidentStore
    audit: AuditLog
    commands: OperatorCommands  # the operator write service, shared with the API and MCP
    keys: AuditKeyring
    drafts: DraftStore | None = None
    sections: Sequence[DetailSection] = ()  # what other capabilities add to an incident
    followups: FollowUpStore | None = None  # the follow-ups page, when the store has them
    followup_desk: FollowUpDesk | None = None  # marking them done from that page
    runs: OperationRuns | None = None  # the operation runs page
    exporter: AuditPackageExporter | None = None  # the audit page's export button
    reports_dir: Path | None = None  # the weekly digests page (MARSHAL_REPORTS_DIR)
    oidc: OidcClient | None = None
    room_link: str = SLACK_ROOM_LINK  # + a channel id opens the room
    secure_cookies: bool = False  # set behind HTTPS: the cookie is then never sent in clear
    threads: int = 8


def build_console(deps: ConsoleDependencies) -> Starlette:
    secret = console_secret(deps.keys)
    pages = Pages(WorkerThreads(deps.threads))
    details = IncidentDetailReader(deps.store, deps.audit, deps.drafts, deps.sections)
    reader = IncidentReader(details, deps.audit, AuditVerifier(deps.audit, deps.store, deps.keys))
    actions = ConsoleActions(deps.commands)
    sign_in = SignIn(pages, LoginLinks(LoginLinkSigner(secret), deps.store), deps.audit, deps.oidc)
    incident_pages = IncidentPages(pages, deps.store, reader, actions, room_link=deps.room_link)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("console page failed", extra={"path": request.url.path})
        return HTMLResponse(
            "<!doctype html><title>Error</title><h1>Something went wrong</h1>"
            "<p>The console could not show this page; the error is in marshal's logs.</p>",
            status_code=500,
        )

    return Starlette(
        routes=[
            *sign_in.routes(),
            *incident_pages.routes(),
            *(
                FollowUpPages(pages, deps.followups, deps.followup_desk).routes()
                if deps.followups
                else []
            ),
            *(RunPages(pages, deps.runs).routes() if deps.runs else []),
            *(AuditExportPages(pages, deps.exporter).routes() if deps.exporter else []),
            *(DigestPages(pages, deps.reports_dir).routes() if deps.reports_dir else []),
            Mount("/static", app=StaticFiles(directory=STATIC), name="console_static"),
        ],
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=secret.hex(),
                session_cookie=SESSION_COOKIE,
                max_age=SESSION_SECONDS,
                path=MOUNT_PATH,
                same_site="lax",  # sent on the OIDC provider's redirect back, not on posts
                https_only=deps.secure_cookies,
            ),
        ],
        exception_handlers={Exception: server_error},
    )
