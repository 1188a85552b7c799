"""DeliveryDedup and its Bolt middleware: a redelivered envelope or event is handled once.

Slack redelivers when an ack is late or a socket drops: the same envelope id for a socket
message, the same event_id (with x-slack-retry-num) for an Events API retry. The first
delivery claims the id in the store (the Claims port), so replicas agree too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt.middleware import Middleware
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from bot.ports.store import Claims

log = logging.getLogger(__name__)

CLAIM_TTL_SECONDS = 3600


class DeliveryDedup:
    def __init__(self, store: Claims, owner: str, *, ttl_seconds: int = CLAIM_TTL_SECONDS):
        self._store = store
        self._owner = owner
        self._ttl = ttl_seconds

    def first_delivery(self, delivery_id: str) -> bool:
        return self._store.claim(f"slack-event:{delivery_id}", self._owner, ttl_seconds=self._ttl)


class EventDedupMiddleware(Middleware):
    """Acks an already-handled Events API event without running its listeners again."""

    def __init__(self, dedup: DeliveryDedup) -> None:
        self._dedup = dedup

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # Bolt passes it by this name
    ) -> BoltResponse | None:
        event_id = req.body.get("event_id") if isinstance(req.body, dict) else None
        if event_id and not self._dedup.first_delivery(str(event_id)):
            retry = req.headers.get("x-slack-retry-num", ["0"])[0]
            log.info("duplicate event ignored", extra={"event_id": event_id, "retry": retry})
            return BoltResponse(status=200, body="")
        return next()
