"""ROOM_MESSAGE: post marshal's own text in an incident's room for work done elsewhere.

The web console runs in the web process, which may have no Slack connection (`marshal
webhook` alone); what it did (an acknowledgement, a note) reaches the room through the outbox
and this handler, on the processor that holds the Slack connection. The text is composed by
marshal with every outside piece already escaped (bot/services/slack_text.py).

The event's slot is claimed before the post, so a redelivered or duplicated event posts at
most once; the Slack gateway itself retries 429s and 5xx before giving up.
"""

from __future__ import annotations

import logging

from bot.ports.queue import QueueMessage
from bot.ports.slack import SlackGateway
from bot.ports.store import Claims

log = logging.getLogger(__name__)


class RoomMessageHandler:
    def __init__(self, slack: SlackGateway, claims: Claims) -> None:
        self._slack = slack
        self._claims = claims

    def __call__(self, message: QueueMessage) -> None:
        channel_id = message.payload.get("channel_id")
        text = message.payload.get("text")
        if not isinstance(channel_id, str) or not isinstance(text, str) or not text:
            # Raising sends it to the dead-letter queue, where an operator can see it.
            raise ValueError(f"room message {message.event_id} has no channel or text")
        if not self._claims.claim(f"room-message:{message.event_id}", "processor"):
            log.info("room message already posted", extra={"event": message.event_id})
            return
        self._slack.post_message(channel_id, text)


def room_message(slack: SlackGateway, claims: Claims) -> RoomMessageHandler:
    """The handler factory for `events.register(EventType.ROOM_MESSAGE, room_message(...))`."""
    return RoomMessageHandler(slack, claims)
