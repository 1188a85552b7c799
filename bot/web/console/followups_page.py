"""The console's follow-ups page: open, overdue, mine, or all; by owner and by service.

Read through the follow-ups' own store and its indexed lists (bot/services/followups/
listing.py, the same `followups open|mine|overdue|all` Slack shows and `marshal followups
list` prints), narrowed by owner here. Read-only: closing one stays a Done / Not doing press
in Slack (its permission check needs the Slack side).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.errors import BackendUnavailable
from bot.domain.followups import FollowUp
from bot.domain.models import utcnow
from bot.ports.followups import FollowUpStore
from bot.services.followups.listing import FollowUpScope, select
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
    def __init__(self, pages: Pages, store: FollowUpStore) -> None:
        self._pages = pages
        self._store = store

    def routes(self) -> list[Route]:
        return [Route("/followups", self.page, methods=["GET"])]

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
            self._pages.health.bad(str(exc))
            last = self._pages.health.last_good
            when = f" The last good read was at {last:%Y-%m-%d %H:%M:%S} UTC." if last else ""
            return self._pages.message(
                request,
                "The store cannot be read",
                f"marshal cannot read its store right now ({exc}).{when} This is not an empty "
                "list.",
                status_code=503,
            )
        self._pages.health.good()
        return self._pages.render(request, "followups.html", listing=listing, scopes=SCOPES)
