"""The console's pages and actions: the incident queue, an incident, its audit trail, and the
acknowledge / add-a-note forms. Every route needs a signed-in person; every form a CSRF token.

When the store cannot be read the queue says so, with the time of the last good read, and
never shows an empty table that would read as "no incidents".
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.commands.note import MAX_NOTE_CHARS
from bot.domain.errors import BackendUnavailable, MarshalError
from bot.domain.models import Incident, utcnow
from bot.ports.store import Incidents
from bot.web.console.actions import ActionResult, ConsoleActions
from bot.web.console.forms import posted_form
from bot.web.console.incident_view import IncidentReader
from bot.web.console.queue_view import (
    SEVERITY_CHOICES,
    STATUS_CHOICES,
    BadFilter,
    QueueFilter,
    QueuePage,
    read_queue,
)
from bot.web.console.rendering import Pages
from bot.web.console.sessions import Person

QUEUE_REFRESH_SECONDS = 30
Endpoint = Callable[[Request], Awaitable[Response]]
SignedInEndpoint = Callable[[Request, Person], Awaitable[Response]]


class IncidentPages:
    def __init__(
        self,
        pages: Pages,
        store: Incidents,
        reader: IncidentReader,
        actions: ConsoleActions,
        *,
        room_link: str,
    ) -> None:
        self._pages = pages
        self._store = store
        self._reader = reader
        self._actions = actions
        self._room_link = room_link

    def routes(self) -> list[Route]:
        return [
            Route("/", self._signed_in(self.queue), methods=["GET"]),
            Route("/incidents/{incident_id}", self._signed_in(self.incident), methods=["GET"]),
            Route("/incidents/{incident_id}/audit", self._signed_in(self.audit), methods=["GET"]),
            Route("/incidents/{incident_id}/ack", self._signed_in(self.ack), methods=["POST"]),
            Route("/incidents/{incident_id}/note", self._signed_in(self.note), methods=["POST"]),
            Route("/incidents/{incident_id}/hold", self._signed_in(self.hold), methods=["POST"]),
            Route(
                "/incidents/{incident_id}/resume", self._signed_in(self.resume), methods=["POST"]
            ),
        ]

    def _signed_in(self, endpoint: SignedInEndpoint) -> Endpoint:
        async def guarded(request: Request) -> Response:
            person = self._pages.person(request)
            if person is None:
                return self._pages.redirect(request, "/sign-in")
            try:
                return await endpoint(request, person)
            except BackendUnavailable as exc:
                return self._pages.unreadable(request, str(exc))

        return guarded

    async def queue(self, request: Request, _: Person) -> Response:
        try:
            wanted = QueueFilter.parse(dict(request.query_params))
            page = await self._pages.workers.run(read_queue, self._store, wanted, utcnow())
        except BadFilter as exc:
            return self._pages.message(
                request, "Bad filter", str(exc), status_code=400, back=_root(request) + "/"
            )
        except BackendUnavailable as exc:
            self._pages.health.bad(str(exc))
            return self._queue_page(request, wanted, None, unreadable=str(exc), status=503)
        self._pages.health.good()
        return self._queue_page(request, wanted, page)

    def _queue_page(
        self,
        request: Request,
        wanted: QueueFilter,
        page: QueuePage | None,
        *,
        unreadable: str = "",
        status: int = 200,
    ) -> Response:
        next_url = ""
        if page is not None and page.next_cursor:
            query = urllib.parse.urlencode(wanted.query(cursor=page.next_cursor))
            next_url = f"{_root(request)}/?{query}"
        last = self._pages.health.last_good
        return self._pages.render(
            request,
            "queue.html",
            status_code=status,
            filter=wanted,
            page=page,
            next_url=next_url,
            unreadable=unreadable,
            last_good=last.strftime("%Y-%m-%d %H:%M:%S") if last else "",
            refresh_seconds=QUEUE_REFRESH_SECONDS,
            status_choices=STATUS_CHOICES,
            severity_choices=SEVERITY_CHOICES,
        )

    async def incident(self, request: Request, _: Person) -> Response:
        incident = await self._find(request)
        if incident is None:
            return self._not_found(request)
        detail = await self._pages.workers.run(self._reader.page, incident)
        self._pages.health.good()
        return self._pages.render(
            request,
            "incident.html",
            detail=detail,
            room_link=self._room_link,
            max_note=MAX_NOTE_CHARS,
        )

    async def audit(self, request: Request, _: Person) -> Response:
        incident = await self._find(request)
        if incident is None:
            return self._not_found(request)
        events, report = await self._pages.workers.run(self._reader.audit_trail, incident.id)
        return self._pages.render(
            request, "audit.html", incident_id=incident.id, events=events, report=report
        )

    async def ack(self, request: Request, person: Person) -> Response:
        return await self._act(
            request, lambda incident, _form: self._actions.acknowledge(person, incident)
        )

    async def note(self, request: Request, person: Person) -> Response:
        return await self._act(
            request,
            lambda incident, form: self._actions.add_note(
                person, incident, str(form.get("text") or "")
            ),
        )

    async def hold(self, request: Request, person: Person) -> Response:
        return await self._act(
            request,
            lambda incident, form: self._actions.hold_escalation(
                person, incident, str(form.get("duration") or ""), str(form.get("reason") or "")
            ),
        )

    async def resume(self, request: Request, person: Person) -> Response:
        return await self._act(
            request, lambda incident, _form: self._actions.resume_escalation(person, incident)
        )

    async def _act(self, request: Request, action: Callable[..., ActionResult]) -> Response:
        form = await posted_form(self._pages, request)
        if isinstance(form, Response):
            return form
        incident = await self._find(request)
        if incident is None:
            return self._not_found(request)
        try:
            result = await self._pages.workers.run(action, incident, form)
        except BackendUnavailable:
            raise  # the guard's page: the store cannot be read
        except MarshalError as exc:  # the action could not do its job: say so, as Slack does
            result = ActionResult(False, f"That did not complete: {exc}")
        path = f"/incidents/{incident.id}"
        return self._pages.redirect(request, path, flash=result.message)

    async def _find(self, request: Request) -> Incident | None:
        incident_id = request.path_params["incident_id"]
        return await self._pages.workers.run(self._reader.incident, incident_id)

    def _not_found(self, request: Request) -> Response:
        return self._pages.message(
            request,
            "No such incident",
            "marshal has no incident with that id.",
            status_code=404,
            back=_root(request) + "/",
        )


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))
