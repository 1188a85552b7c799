"""What the web app is built from (WebDependencies) and the worker threads its routes share.

Its own module so the routes (bot/web/webhooks.py) and the app that lists them
(bot/web/app.py) both import it, and neither imports the other back.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from starlette.types import ASGIApp

from bot.observability.metrics import Metrics
from bot.services.intake import Screened, WebhookReply

if TYPE_CHECKING:
    from bot.web.api.operations import ApiDependencies

ReadinessCheck = Callable[[], None]  # raises when not ready
T = TypeVar("T")


class WebhookIntake(Protocol):
    def sources(self) -> frozenset[str]: ...

    def screen(
        self, source: str, body: bytes, headers: Mapping[str, str]
    ) -> WebhookReply | Screened:
        """What can be answered without waiting (asked on the event loop); else the rest."""

    def record(self, screened: Screened) -> WebhookReply:
        """Verify and parse if not done, persist and enqueue (asked on a worker thread).
        Raises BackendUnavailable for a 503."""

    @property
    def records_together(self) -> bool:
        """Whether `record_all` holds a batch in one commit (then one thread records)."""

    def record_all(self, batch: Sequence[Screened]) -> list[WebhookReply | Exception]:
        """Each request's reply or what it raised; raises when the batch's commit failed."""


@dataclass
class WebDependencies:
    metrics: Metrics
    readiness: dict[str, ReadinessCheck]
    intake: WebhookIntake | None = None
    max_body_bytes: int = 1024 * 1024
    threads: int = 40  # blocking calls at once; the AWS clients' connection pools match it
    read_timeout_seconds: float = 10.0  # the whole body must arrive within this
    console: ASGIApp | None = None  # the web console (bot/web/console), mounted at /console
    api: ApiDependencies | None = None  # the operator API under /api/v1 (bot/web/api)


class WorkerThreads:
    """Runs blocking store and queue calls off the event loop, at most `threads` at once.

    A plain ThreadPoolExecutor, not anyio.to_thread: every webhook request makes this hop,
    and anyio's (a CapacityLimiter, a run-var lookup and a Python-level queue per call) cost
    about 100 us of CPU against 30 us here (issue 17), on the same GIL the requests share.
    The call runs in a copy of the caller's context, as anyio's did.
    """

    def __init__(self, threads: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="web-worker")

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        call = functools.partial(contextvars.copy_context().run, func, *args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)
