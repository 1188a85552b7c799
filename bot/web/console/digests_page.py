"""The console's weekly digests: the `<week>.md` files the digest job and `marshal digest`
write to MARSHAL_REPORTS_DIR, newest week first, each shown as its text.

Files of this machine: a web process on another machine than the processor that writes them
shows what its own folder holds. A week is named by its ISO form (2026-W48) and nothing else,
so a request can never name another file.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.web.console.rendering import Pages
from bot.web.console.sessions import signed_in

_WEEK = re.compile(r"^\d{4}-W\d{2}$")


def digest_weeks(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted((p.stem for p in folder.glob("*.md") if _WEEK.match(p.stem)), reverse=True)


class DigestPages:
    def __init__(self, pages: Pages, folder: Path) -> None:
        self._pages = pages
        self._folder = folder

    def routes(self) -> list[Route]:
        return [
            Route("/digests", self.index, methods=["GET"]),
            Route("/digests/{week}", self.week, methods=["GET"]),
        ]

    async def index(self, request: Request) -> Response:
        if signed_in(request) is None:
            return self._pages.redirect(request, "/sign-in")
        weeks = await self._pages.workers.run(digest_weeks, self._folder)
        return self._pages.render(request, "digests.html", weeks=weeks, week=None, text="")

    async def week(self, request: Request) -> Response:
        if signed_in(request) is None:
            return self._pages.redirect(request, "/sign-in")
        week = request.path_params["week"]
        path = self._folder / f"{week}.md"
        if not _WEEK.match(week) or not path.is_file():
            return self._pages.message(
                request,
                "No such digest",
                "There is no digest for that week here.",
                status_code=404,
                back=f"{request.scope.get('root_path', '')}/digests",
            )
        text = await self._pages.workers.run(path.read_text, "utf-8")
        weeks = await self._pages.workers.run(digest_weeks, self._folder)
        return self._pages.render(request, "digests.html", weeks=weeks, week=week, text=text)
