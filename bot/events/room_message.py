"""ROOM_MESSAGE: post marshal's own text in an incident's room for work done elsewhere.

An operator write (the web console, the operator API, an MCP agent) may run in a process with
no Slack connection (`marshal webhook` alone); what it did reaches the room through the
outbox and this handler, on the processor that holds the Slack connection. The text is
composed by marshal with every outside piece already escaped (bot/services/slack_text.py).

Delivery is record-after-post under a lease, so a notice is never lost and is posted twice
only if a process dies between the post and its record:
- `room-message:<event>` is claimed (permanently) only AFTER Slack accepted the post; a
  redelivered or duplicated event that finds it does nothing.
- while posting, a worker holds `room-message:<event>:lease` for LEASE_SECONDS, so a
  concurrent duplicate backs off (raises: the consumer retries it later, and then finds the
  record) instead of posting alongside.
- a failed post raises: the consumer retries with a growing delay, and once the lease has run
  out the retry posts it. The Slack gateway itself retries 429s and 5xx before giving up.
"""

from __future__ import annotations

import logging
import uuid

from bot.ports.queue import QueueMessage
from bot.ports.slack import SlackGateway
from bot.ports.store import Claims

log = logging.getLogger(__name__)

# Longer than a post with the gateway's own retries takes; shorter than the consumer's
# growing retry delay leaves a failed notice waiting.
LEASE_SECONDS = 30


class PostInProgress(RuntimeError):
    """Another worker holds the lease on this notice: retry later, by when it is recorded."""


class RoomMessageHandler:
    def __init__(self, slack: SlackGateway, claims: Claims) -> None:
        self._slack = slack
        self._claims = claims
        self._worker = f"processor-{uuid.uuid4().hex[:8]}"

    def __call__(self, message: QueueMessage) -> None:
        channel_id = message.payload.get("channel_id")
        text = message.payload.get("text")
        if not isinstance(channel_id, str) or not isinstance(text, str) or not text:
            # Raising sends it to the dead-letter queue, where an operator can see it.
            raise ValueError(f"room message {message.event_id} has no channel or text")
        posted = f"room-message:{message.event_id}"
        if self._claims.claimed(posted):
            log.info("room message already posted", extra={"event": message.event_id})
            return
        if not self._claims.claim(f"{posted}:lease", self._worker, ttl_seconds=LEASE_SECONDS):
            raise PostInProgress(f"room message {message.event_id} is being posted elsewhere")
        self._slack.post_message(channel_id, text)  # raises on failure: retried after the lease
        self._claims.claim(posted, self._worker)


def room_message(slack: SlackGateway, claims: Claims) -> RoomMessageHandler:
    """The handler factory for `events.register(EventType.ROOM_MESSAGE, room_message(...))`."""
    return RoomMessageHandler(slack, claims)
