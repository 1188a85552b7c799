"""QueueConsumer: receive events from the `Queue`, dispatch each through the `EventRegistry`.

Outcomes: a handler that returns -> ack; an unknown event type -> dead letter at once
(never dropped silently); a handler that raises -> `retry_later` with a growing delay, so
the queue's receive limit parks a poison message in the dead letters. Log lines name the
event id and type, never the payload: payloads may carry personal data.

Each worker asks for one message at a time: SQS FIFO may hand several messages of one
incident to one receive, and taking one keeps "one at a time per incident" true there too.
A heartbeat thread extends the visibility of messages whose handlers are still running.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import BackendUnavailable, MarshalError
from bot.events.registry import EventRegistry
from bot.ports.queue import Delivery, Queue

MAX_RETRY_DELAY_SECONDS = 300


class Outcome(StrEnum):
    ACKED = "acked"
    RETRY_LATER = "retry_later"
    DEAD_LETTERED = "dead_lettered"
    RELEASED = "released"  # received while stopping; given back unprocessed


@dataclass(frozen=True)
class Dispatched:
    event_id: str
    event_type: str
    outcome: Outcome


class QueueConsumer:
    def __init__(
        self,
        queue: Queue,
        registry: EventRegistry,
        *,
        workers: int = 2,
        visibility_seconds: int = 60,
        wait_seconds: float = 1.0,
        retry_delay_seconds: int = 5,
        logger: logging.Logger | None = None,
    ) -> None:
        if workers < 1 or visibility_seconds < 1:
            raise ValueError("workers and visibility_seconds must be at least 1")
        self._queue = queue
        self._registry = registry
        self._workers = workers
        self._visibility = visibility_seconds
        self._wait = wait_seconds
        self._retry_delay = retry_delay_seconds
        self._log = logger or logging.getLogger(__name__)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._heartbeat: threading.Thread | None = None
        self._heartbeat_stop = threading.Event()
        self._lock = threading.Lock()
        self._in_flight: dict[str, Delivery] = {}
        self._released: list[Delivery] = []

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def start(self) -> None:
        if self._threads:
            raise RuntimeError("the consumer is already running")
        self._stopping.clear()
        self._heartbeat_stop.clear()
        self._released = []
        self._threads = [
            threading.Thread(target=self._work, name=f"marshal-consumer-{n}", daemon=True)
            for n in range(1, self._workers + 1)
        ]
        self._heartbeat = threading.Thread(
            target=self._beat, name="marshal-consumer-heartbeat", daemon=True
        )
        self._heartbeat.start()
        for thread in self._threads:
            thread.start()
        self._log.info("queue consumer started with %d workers", self._workers)

    def stop(self, timeout: float = 30.0) -> list[Delivery]:
        """Stop receiving, let running handlers finish within `timeout`; return what was given back.

        A handler still running after the timeout keeps its message; it comes back after its
        visibility timeout, since the heartbeat stops here.
        """
        self._stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        still_running = [t.name for t in self._threads if t.is_alive()]
        with self._lock:
            unfinished = list(self._in_flight.values())
        for delivery in unfinished:
            self._log.warning(
                "event %s (%s) still running at stop; it will be redelivered after %ds",
                delivery.message.event_id,
                delivery.message.event_type,
                self._visibility,
            )
        self._heartbeat_stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(max(0.0, deadline - time.monotonic()) + self._visibility / 3)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._heartbeat = None
        self._log.info(
            "queue consumer stopped (%d messages given back, %d workers still busy)",
            len(self._released),
            len(still_running),
        )
        released, self._released = self._released, []
        return released

    def process_once(self, *, wait_seconds: float = 0.0) -> list[Dispatched]:
        """One receive and dispatch on the caller's thread, without heartbeat: for tests, drills."""
        deliveries = self._queue.receive(
            max_messages=1, wait_seconds=wait_seconds, visibility_seconds=self._visibility
        )
        return [self.dispatch(delivery) for delivery in deliveries]

    def dispatch(self, delivery: Delivery) -> Dispatched:
        message = delivery.message
        handler = self._registry.handler_for(message.event_type)
        if handler is None:
            self._log.error(
                "dead-lettering event %s: unknown event type %s",
                message.event_id,
                message.event_type,
            )
            self._settle(delivery, Outcome.DEAD_LETTERED)
            return self._result(delivery, Outcome.DEAD_LETTERED)
        with self._lock:
            self._in_flight[delivery.receipt] = delivery
        try:
            handler(message)
        except Exception as exc:  # noqa: BLE001 - any handler failure means "retry later", logged
            self._log_failure(delivery, exc)
            outcome = Outcome.RETRY_LATER
        else:
            outcome = Outcome.ACKED
            self._log.info("event %s (%s) handled", message.event_id, message.event_type)
        finally:
            with self._lock:
                self._in_flight.pop(delivery.receipt, None)
        self._settle(delivery, outcome)
        return self._result(delivery, outcome)

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                deliveries = self._queue.receive(
                    max_messages=1, wait_seconds=self._wait, visibility_seconds=self._visibility
                )
            except BackendUnavailable as exc:
                self._log.warning("queue unavailable, trying again shortly: %s", exc)
                self._stopping.wait(min(5.0, max(0.1, self._wait)))
                continue
            for delivery in deliveries:
                if self._stopping.is_set():
                    self._settle(delivery, Outcome.RELEASED)
                    with self._lock:
                        self._released.append(delivery)
                else:
                    self.dispatch(delivery)

    def _beat(self) -> None:
        interval = self._visibility / 3
        while not self._heartbeat_stop.wait(interval):
            with self._lock:
                running = list(self._in_flight.values())
            for delivery in running:
                try:
                    self._queue.extend(delivery, visibility_seconds=self._visibility)
                except BackendUnavailable as exc:
                    self._log.warning(
                        "could not extend event %s: %s", delivery.message.event_id, exc
                    )

    def _settle(self, delivery: Delivery, outcome: Outcome) -> None:
        """Tell the queue how it went; if the queue is down, the message simply comes back."""
        message = delivery.message
        try:
            if outcome is Outcome.ACKED:
                self._queue.ack(delivery)
            elif outcome is Outcome.DEAD_LETTERED:
                self._queue.dead_letter(delivery, reason=f"unknown event type {message.event_type}")
            elif outcome is Outcome.RETRY_LATER:
                self._queue.retry_later(delivery, delay_seconds=self._backoff(delivery))
            else:
                self._queue.retry_later(delivery, delay_seconds=0)
        except BackendUnavailable as exc:
            self._log.warning(
                "could not record %s for event %s (%s): %s; it will be redelivered",
                outcome,
                message.event_id,
                message.event_type,
                exc,
            )

    def _backoff(self, delivery: Delivery) -> int:
        delay = self._retry_delay * 2 ** max(0, delivery.receive_count - 1)
        return int(min(MAX_RETRY_DELAY_SECONDS, delay))

    def _log_failure(self, delivery: Delivery, exc: Exception) -> None:
        # Our own errors carry deliberate messages; anything else may echo data, so only
        # its type and where it was raised are logged.
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else "?"
        detail = str(exc) if isinstance(exc, MarshalError) else type(exc).__name__
        self._log.warning(
            "event %s (%s) failed on receive %d: %s at %s; retrying in %ds",
            delivery.message.event_id,
            delivery.message.event_type,
            delivery.receive_count,
            detail,
            where,
            self._backoff(delivery),
        )

    @staticmethod
    def _result(delivery: Delivery, outcome: Outcome) -> Dispatched:
        return Dispatched(delivery.message.event_id, delivery.message.event_type, outcome)
