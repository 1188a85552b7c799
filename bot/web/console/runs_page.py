"""The console's operation runs page: the newest runbook runs, who started and confirmed
them, their scope, outcome and summary, linked to their incident. Read-only: starting a run
stays a preview and a Confirm press in Slack (or `marshal ops`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.domain.errors import BackendUnavailable
from bot.ports.runbooks import OperationRuns
from bot.web.console.rendering import Pages
from bot.web.console.sessions import signed_in

SHOWN = 100


class RunPages:
    def __init__(self, pages: Pages, runs: OperationRuns) -> None:
        self._pages = pages
        self._runs = runs

    def routes(self) -> list[Route]:
        return [Route("/runs", self.page, methods=["GET"])]

    async def page(self, request: Request) -> Response:
        if signed_in(request) is None:
            return self._pages.redirect(request, "/sign-in")
        try:
            runs = await self._pages.workers.run(lambda: self._runs.list_runs(limit=SHOWN))
        except BackendUnavailable as exc:
            return self._pages.unreadable(request, str(exc), what="list")
        self._pages.health.good()
        return self._pages.render(request, "runs.html", runs=runs, shown=SHOWN)
