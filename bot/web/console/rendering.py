"""What every console route shares: the Jinja2 environment, the worker threads, the page
frame (who is signed in, the CSRF token, a one-time flash) and the store-health memory.

Jinja2 autoescapes every value put into a page, so text from alerts, people and the store is
shown as text; the templates never mark anything safe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.domain.models import utcnow
from bot.web.console.sessions import Person, csrf_token, signed_in
from bot.web.dependencies import WorkerThreads


def duration(seconds: float) -> str:
    """45 s, 12 min, 3 h 5 min: a response time at a glance."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min"
    hours, minutes = divmod(whole // 60, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def template_environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.web.console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a misspelt name fails the test, not the reader
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = duration
    return env


@dataclass
class StoreHealth:
    """When the store last answered, so an outage page can say how old the last view was."""

    last_good: datetime | None = None
    error: str | None = field(default=None)

    def good(self) -> None:
        self.last_good = utcnow()
        self.error = None

    def bad(self, error: str) -> None:
        self.error = error


class Pages:
    def __init__(self, workers: WorkerThreads) -> None:
        self.env = template_environment()
        self.workers = workers
        self.health = StoreHealth()

    def render(
        self, request: Request, name: str, *, status_code: int = 200, **values: Any
    ) -> HTMLResponse:
        frame = {
            "root": request.scope.get("root_path", ""),
            "person": signed_in(request),
            "csrf": csrf_token(request),
            "flash": request.session.pop("flash", None),
        }
        html = self.env.get_template(name).render(**frame, **values)
        return HTMLResponse(html, status_code=status_code)

    def message(
        self, request: Request, heading: str, message: str, *, status_code: int, back: str = ""
    ) -> HTMLResponse:
        tone = "error" if status_code >= 400 else ""
        return self.render(
            request,
            "message.html",
            status_code=status_code,
            heading=heading,
            message=message,
            tone=tone,
            back=back,
        )

    def unreadable(self, request: Request, error: str, *, what: str = "") -> HTMLResponse:
        """A failed store read: said as such with the time of the last good read, never a page
        that could pass for an empty one. `what` names what would otherwise look empty."""
        self.health.bad(error)
        last = self.health.last_good
        when = f" The last good read was at {last:%Y-%m-%d %H:%M:%S} UTC." if last else ""
        after = f" This is not an empty {what}." if what else " Try again shortly."
        return self.message(
            request,
            "The store cannot be read",
            f"marshal cannot read its store right now ({error}).{when}{after}",
            status_code=503,
        )

    @staticmethod
    def redirect(request: Request, path: str, *, flash: str | None = None) -> Response:
        if flash:
            request.session["flash"] = flash
        # 303: the browser follows a form's POST with a GET, so a reload never re-posts.
        return RedirectResponse(request.scope.get("root_path", "") + path, status_code=303)

    @staticmethod
    def person(request: Request) -> Person | None:
        return signed_in(request)
