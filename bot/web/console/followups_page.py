"""The console's follow-ups page: open, overdue, mine, or all; by owner and by service.

Read through the follow-ups' own store and its indexed lists (bot/services/followups/
listing.py, the same `followups open|mine|overdue|all` Slack shows and `marshal followups
list` prints), narrowed by owner here.

Marking one done goes through the follow-ups service (FollowUpDesk.close) as the signed-in
person, with Slack's Done-button rule (its owner, whoever added it, the IC or an approver;
approver groups read through a GroupDirectory, bot/wiring/console.py) and its
audit (FOLLOWUP_DONE, or PERMISSION_DENIED). A POST with the session's CSRF token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.errors import BackendUnavailable, NotFound
from bot.domain.followups import FollowUp, FollowUpStatus
from bot.domain.models import utcnow
from bot.ports.followups import FollowUpStore
from bot.services.followups.desk import FollowUpDesk
from bot.services.followups.listing import FollowUpScope, select
from bot.web.console.forms import posted_form
from bot.web.console.rendering import Pages
from bot.web.console.sessions import Person, signed_in

SCOPES = tuple(s.value for s in FollowUpScope)
SHOWN = 200


@dataclass(frozen=True)
class FollowUpList:
    scope: str
    owner: str
    service: str
    followups: list[FollowUp]
    now: datetime
    capped: bool


def follow_up_list(
    store: FollowUpStore, scope: str, *, user: str, owner: str, service: str, now: datetime
) -> FollowUpList:
    found = select(
        store,
        FollowUpScope(scope),
        now=now,
        user=user,
        service=service or None,
    )
    if owner:
        found = [f for f in found if (f.owner or "") == owner]
    return FollowUpList(scope, owner, service, found[:SHOWN], now, len(found) > SHOWN)


class FollowUpPages:
    def __init__(self, pages: Pages, store: FollowUpStore, desk: FollowUpDesk | None) -> None:
        self._pages = pages
        self._store = store
        self._desk = desk  # None: the page is read-only

    def routes(self) -> list[Route]:
        routes = [Route("/followups", self.page, methods=["GET"])]
        if self._desk is not None:
            done = FollowUpClosing(self._pages, self._desk).done
            routes.append(Route("/followups/{followup_id}/done", done, methods=["POST"]))
        return routes

    async def page(self, request: Request) -> Response:
        person: Person | None = signed_in(request)
        if person is None:
            return self._pages.redirect(request, "/sign-in")
        query = request.query_params
        scope = query.get("scope") or FollowUpScope.OPEN.value
        if scope not in SCOPES:
            return self._pages.message(
                request,
                "Bad filter",
                f"scope must be one of {', '.join(SCOPES)}",
                status_code=400,
            )
        owner, service = (query.get("owner") or "").strip(), (query.get("service") or "").strip()
        try:
            listing = await self._pages.workers.run(
                lambda: follow_up_list(
                    self._store,
                    scope,
                    user=person.user_id,
                    owner=owner,
                    service=service,
                    now=utcnow(),
                )
            )
        except BackendUnavailable as exc:
            return self._pages.unreadable(request, str(exc), what="list")
        self._pages.health.good()
        back = "/followups" + (f"?{request.url.query}" if request.url.query else "")
        return self._pages.render(
            request,
            "followups.html",
            listing=listing,
            scopes=SCOPES,
            can_close=self._desk is not None,
            back=back,
        )


class FollowUpClosing:
    """The Done button's POST: FollowUpDesk.close as the signed-in person."""

    def __init__(self, pages: Pages, desk: FollowUpDesk) -> None:
        self._pages = pages
        self._desk = desk

    async def done(self, request: Request) -> Response:
        person = signed_in(request)
        if person is None:
            return self._pages.redirect(request, "/sign-in")
        form = await posted_form(self._pages, request)
        if isinstance(form, Response):
            return form
        desk, followup_id = self._desk, request.path_params["followup_id"]
        try:
            closing = await self._pages.workers.run(
                lambda: desk.close(followup_id, FollowUpStatus.DONE, by=person.user_id)
            )
        except NotFound:
            return self._pages.message(
                request,
                "No such follow-up",
                "marshal has no follow-up with that id.",
                status_code=404,
            )
        back = str(form.get("back") or "")
        path = back if back.startswith("/followups") else "/followups"  # never off the console
        return self._pages.redirect(request, path, flash=closing.message)
