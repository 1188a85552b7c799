"""The console's sign-in routes: the sign-in page, one-time login links, OIDC, sign-out.

A login link opens a page with a Sign in button rather than signing in on the GET itself:
link previews (Slack's unfurler, mail scanners) fetch links, and must not use one up. Every
sign-in is written to the workspace audit chain with who and how.
"""

from __future__ import annotations

import hmac
import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.domain.audit import AuditAction
from bot.domain.errors import BackendUnavailable
from bot.ports.audit import AuditLog
from bot.web.console.forms import FormRefused, read_form
from bot.web.console.login_links import LoginLinkRefused, LoginLinks
from bot.web.console.oidc import OidcClient, OidcFailed
from bot.web.console.rendering import Pages
from bot.web.console.sessions import CSRF_FIELD, Person, csrf_ok, sign_in, sign_out

log = logging.getLogger(__name__)

WORKSPACE_CHAIN = "workspace"  # as bot/commands/registry.py: actions outside any incident


class SignIn:
    def __init__(
        self, pages: Pages, links: LoginLinks, audit: AuditLog, oidc: OidcClient | None
    ) -> None:
        self._pages = pages
        self._links = links
        self._audit = audit
        self._oidc = oidc

    def routes(self) -> list[Route]:
        return [
            Route("/sign-in", self.page, methods=["GET"]),
            Route("/login/{token}", self.link_page, methods=["GET"]),
            Route("/login/{token}", self.link_redeem, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/oidc/start", self.oidc_start, methods=["GET"]),
            Route("/oidc/callback", self.oidc_callback, methods=["GET"]),
        ]

    async def page(self, request: Request, *, error: str = "", status: int = 200) -> Response:
        if not error and self._pages.person(request) is not None:
            return self._pages.redirect(request, "/")  # signed in already
        label = self._oidc.label if self._oidc else ""
        return self._pages.render(
            request, "sign_in.html", status_code=status, error=error, oidc=label
        )

    async def link_page(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            named = self._links.check(token)
        except LoginLinkRefused as exc:
            return await self.page(request, error=exc.reason, status=403)
        return self._pages.render(request, "login_link.html", user_id=named.user_id, token=token)

    async def link_redeem(self, request: Request) -> Response:
        try:
            form = await read_form(request)
        except FormRefused as exc:
            return await self.page(request, error=exc.message, status=exc.status)
        if not csrf_ok(request, form.get(CSRF_FIELD)):
            return await self.page(
                request, error="The form expired; open the link again.", status=403
            )
        try:
            named = await self._pages.workers.run(self._links.redeem, request.path_params["token"])
        except LoginLinkRefused as exc:
            return await self.page(request, error=exc.reason, status=403)
        except BackendUnavailable as exc:
            return await self.page(request, error=f"The store cannot be read: {exc}", status=503)
        return await self._signed_in(request, Person(named.user_id, named.user_id, "login-link"))

    async def logout(self, request: Request) -> Response:
        try:
            form = await read_form(request)
        except FormRefused:
            form = {}
        if csrf_ok(request, form.get(CSRF_FIELD)):
            sign_out(request)
        return self._pages.redirect(request, "/sign-in")

    async def oidc_start(self, request: Request) -> Response:
        if self._oidc is None:
            return await self.page(request, error="OpenID Connect is not configured.", status=404)
        try:
            started = await self._pages.workers.run(self._oidc.start, self._callback_url(request))
        except OidcFailed as exc:
            return await self.page(request, error=str(exc), status=502)
        request.session["oidc"] = {
            "state": started.state,
            "nonce": started.nonce,
            "verifier": started.verifier,
        }
        return RedirectResponse(started.url, status_code=303)

    async def oidc_callback(self, request: Request) -> Response:
        pending = request.session.pop("oidc", None)
        state, code = request.query_params.get("state"), request.query_params.get("code")
        oidc = self._oidc
        if oidc is None or not isinstance(pending, dict) or not code:
            reason = request.query_params.get("error") or "no sign-in was under way"
            return await self.page(request, error=f"Sign-in failed: {reason}.", status=400)
        if not _same_state(pending.get("state"), state):
            return await self.page(
                request, error="Sign-in failed: the state does not match.", status=400
            )
        try:
            identity = await self._pages.workers.run(
                lambda: oidc.finish(
                    code,
                    self._callback_url(request),
                    nonce=str(pending.get("nonce")),
                    verifier=str(pending.get("verifier")),
                )
            )
        except OidcFailed as exc:
            return await self.page(request, error=f"Sign-in failed: {exc}", status=403)
        return await self._signed_in(request, Person(identity.user_id, identity.name, "oidc"))

    async def _signed_in(self, request: Request, person: Person) -> Response:
        sign_in(request, person)
        try:
            await self._pages.workers.run(
                lambda: self._audit.append(
                    WORKSPACE_CHAIN,
                    actor=person.user_id,
                    action=AuditAction.CONSOLE_SIGNED_IN,
                    details={"user": person.user_id, "via": person.via},
                )
            )
        except BackendUnavailable as exc:
            sign_out(request)  # an unaudited sign-in is not one
            return await self.page(request, error=f"The store cannot be written: {exc}", status=503)
        return self._pages.redirect(request, "/")

    @staticmethod
    def _callback_url(request: Request) -> str:
        root = request.scope.get("root_path", "")  # the mount's path, /console
        return f"{request.url.scheme}://{request.url.netloc}{root}/oidc/callback"


def _same_state(expected: object, got: object) -> bool:
    return isinstance(expected, str) and isinstance(got, str) and hmac.compare_digest(expected, got)
