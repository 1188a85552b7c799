"""RoomNotices: the one way an operator write (the API, an MCP agent, the web console) tells
the incident's room what was done.

The notice goes through the outbox as a ROOM_MESSAGE event (bot/events/room_message.py), so
it reaches the room even when the web process runs alone (`marshal webhook` with no Slack
connection): the processor that holds the Slack connection posts it. The text is composed
here with every outside piece escaped (bot/services/slack_text.py).
"""

from __future__ import annotations

import logging

from bot.domain.errors import BackendUnavailable
from bot.domain.ids import new_id
from bot.domain.models import Incident, utcnow
from bot.ports.queue import EventType, Queue
from bot.ports.store import Outbox, OutboxEvent
from bot.services.outbox_relay import deliver
from bot.services.slack_text import escape, user

log = logging.getLogger(__name__)


def who(actor: str) -> str:
    """A person (a Slack user id) is mentioned; a token (`api:x`, `agent:x`) is shown as code."""
    return f"`{escape(actor)}`" if ":" in actor else user(actor)


def where(actor: str) -> str:
    """Where the write came from, as the room reads it."""
    if actor.startswith("api:"):
        return " (operator API)"
    if actor.startswith("agent:"):
        return " (MCP agent)"
    return " from the web console"


def via(actor: str) -> str:
    """The audit's `via` for an actor: api | mcp | console."""
    if actor.startswith("api:"):
        return "api"
    if actor.startswith("agent:"):
        return "mcp"
    return "console"


def quoted(text: str) -> str:
    return "\n".join(f"> {line}" for line in escape(text).splitlines())


class RoomNotices:
    def __init__(self, outbox: Outbox, queue: Queue) -> None:
        self._outbox = outbox
        self._queue = queue

    def tell(self, incident: Incident, text: str) -> None:
        if not incident.channel_id:
            return  # no room yet: the timeline and the audit trail hold it
        event = OutboxEvent(
            event_id=new_id("room"),
            incident_id=incident.id,
            event_type=EventType.ROOM_MESSAGE.value,
            payload={"channel_id": incident.channel_id, "text": text},
            created_at=utcnow(),
        )
        self._outbox.add_outbox(event)
        try:
            deliver(self._outbox, self._queue, event)
        except BackendUnavailable as exc:
            # Written to the outbox already: the relay sends it once the queue is back.
            log.warning("room message queued for the relay", extra={"error": str(exc)})
