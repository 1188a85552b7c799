"""OutboxRelay: sends outbox events the queue never acknowledged (crash or queue outage).

Runs once at start-up and then on a timer, so an alert accepted with a 2xx always reaches
the queue even when the process died between the store write and the enqueue.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from bot.domain.errors import BackendUnavailable
from bot.domain.models import utcnow
from bot.ports.queue import Queue, QueueMessage
from bot.ports.store import Outbox, OutboxEvent

log = logging.getLogger(__name__)


def to_message(event: OutboxEvent) -> QueueMessage:
    return QueueMessage(
        event_id=event.event_id,
        event_type=event.event_type,
        incident_id=event.incident_id,
        payload=dict(event.payload),
        created_at=event.created_at,
    )


def deliver(store: Outbox, queue: Queue, event: OutboxEvent) -> None:
    """Enqueue one outbox event and mark it sent; the queue dedups on event id."""
    queue.send(to_message(event))
    store.mark_outbox_sent(event.event_id)


class OutboxRelay:
    def __init__(
        self,
        store: Outbox,
        queue: Queue,
        *,
        grace_seconds: float = 10.0,
        interval_seconds: float = 15.0,
    ) -> None:
        self._store = store
        self._queue = queue
        # Events younger than this are probably being enqueued by the request that wrote them.
        self._grace = timedelta(seconds=grace_seconds)
        self._interval = interval_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox-relay", daemon=True)

    def sweep(self, *, include_fresh: bool = False) -> int:
        cutoff = utcnow() - (timedelta(0) if include_fresh else self._grace)
        sent = 0
        for event in self._store.pending_outbox(older_than=cutoff):
            deliver(self._store, self._queue, event)
            sent += 1
        if sent:
            log.info("outbox relay re-sent events", extra={"count": sent})
        return sent

    def start(self) -> None:
        self._thread.start()

    def _loop(self) -> None:
        first = True
        while not self._stopping.is_set():
            try:
                self.sweep(include_fresh=first)
                first = False
            except BackendUnavailable as exc:
                log.warning("outbox relay could not reach a backend", extra={"error": str(exc)})
            self._stopping.wait(self._interval)

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
