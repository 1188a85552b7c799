"""IntakeWriter: screened webhook requests recorded on one thread, a commit per batch.

With a worker thread per request, every SQLite statement of a write handed the GIL back and
forth between that worker and the event loop, about 23 context switches per fresh alert
(issue 17, measured on the webhook process), and the writes of concurrent requests met again
in GroupCommit's queue. Here the event loop queues each screened request and awaits its
answer; one thread takes everything waiting, records it in one commit
(`AlertIntake.record_all`), and answers the whole batch with one call back into the loop.
A request's reply is released only after the commit that holds it, so a 2xx still means on
disk; a failed commit answers every request of its batch with the error (a 503).

Used only where the intake holds a batch in one commit (the embedded SQLite deployment);
elsewhere (DynamoDB) each request keeps its worker thread, since its writes wait on the
network and gain from running side by side. The thread starts with the first request and
ends after `idle_seconds` without one.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.services.intake import Screened, WebhookReply

log = logging.getLogger(__name__)

RecordAll = Callable[[Sequence[Screened]], list[WebhookReply | Exception]]


@dataclass(frozen=True)
class _Waiting:
    screened: Screened
    answer: asyncio.Future[WebhookReply]
    loop: asyncio.AbstractEventLoop


class IntakeWriter:
    def __init__(
        self, record_all: RecordAll, *, max_batch: int = 64, idle_seconds: float = 30.0
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._record_all = record_all
        self._max_batch = max_batch
        self._idle_seconds = idle_seconds
        self._waiting: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        # guards `_running` against a request queued just as the idle thread decides to end
        self._lock = threading.Lock()
        self._running = False
        self.batches = 0  # how many batches were recorded (for tests and benchmarks)

    async def record(self, screened: Screened) -> WebhookReply:
        """`screened` recorded with whatever else is waiting; raises what recording raised."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[WebhookReply] = loop.create_future()
        with self._lock:
            self._waiting.put(_Waiting(screened, answer, loop))
            if not self._running:
                self._running = True
                threading.Thread(target=self._write, name="intake-writer", daemon=True).start()
        return await answer

    def _write(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self.batches += 1
            try:
                outcomes: Sequence[WebhookReply | Exception] = self._record_all(
                    [w.screened for w in batch]
                )
            except Exception as exc:  # noqa: BLE001 - the commit failed: every request hears it
                outcomes = [exc] * len(batch)
            except BaseException:
                # the thread is going (SystemExit and the like): nothing may queue behind it
                self._hand_over()
                _answer_all(batch, [RuntimeError("the intake writer stopped")] * len(batch))
                raise
            _answer_all(batch, outcomes)

    def _hand_over(self) -> None:
        """This thread ends mid-work: what is queued gets a new thread, else the next request
        starts one (decided under the lock a request queues under, so nothing is stranded)."""
        with self._lock:
            if self._waiting.empty():
                self._running = False
            else:
                threading.Thread(target=self._write, name="intake-writer", daemon=True).start()

    def _next_batch(self) -> list[_Waiting] | None:
        """What is waiting (at most max_batch), after waiting for the first; None to end."""
        try:
            first = self._waiting.get(timeout=self._idle_seconds)
        except queue.Empty:
            with self._lock:
                if self._waiting.empty():
                    self._running = False
                    return None
            first = self._waiting.get()
        batch = [first]
        while len(batch) < self._max_batch:
            try:
                batch.append(self._waiting.get_nowait())
            except queue.Empty:
                break
        return batch


def _answer_all(batch: list[_Waiting], outcomes: Sequence[WebhookReply | Exception]) -> None:
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[_Waiting, WebhookReply | Exception]]] = {}
    for waiting, outcome in zip(batch, outcomes, strict=True):
        by_loop.setdefault(waiting.loop, []).append((waiting, outcome))
    for loop, answered in by_loop.items():
        try:
            loop.call_soon_threadsafe(_settle, answered)
        except RuntimeError:  # the loop closed (shutting down): nobody is waiting any more
            log.info("intake answers dropped: the event loop closed", extra={"n": len(answered)})


def _settle(answered: list[tuple[_Waiting, WebhookReply | Exception]]) -> None:
    for waiting, outcome in answered:
        if waiting.answer.done():  # the request was cancelled (its client went away)
            continue
        if isinstance(outcome, Exception):
            waiting.answer.set_exception(outcome)
        else:
            waiting.answer.set_result(outcome)
