"""Queue port: durable, per-incident ordered delivery of events, with a dead-letter queue.

Semantics every adapter (local SQLite queue, SQS FIFO) honours:
- `send` is idempotent on `event_id` (a re-send of the same event is delivered once);
- messages of one incident are delivered in send order, one at a time (the FIFO group);
- a received message is invisible for `visibility_seconds`; not acked by then, it comes back;
- after `max_receives` deliveries without an ack it moves to the dead-letter queue.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, Field

from bot.domain.models import utcnow


class EventType(StrEnum):
    ALERT_RECEIVED = "ALERT_RECEIVED"
    ALERT_RESOLVED = "ALERT_RESOLVED"
    INCIDENT_RESOLVED = "INCIDENT_RESOLVED"  # run the resolve flow's slow steps
    SLA_CHECK = "SLA_CHECK"  # a timed follow-up (e.g. postmortem due) the scheduler enqueues
    ROOM_MESSAGE = "ROOM_MESSAGE"  # marshal's text for an incident's room (web console actions)
    PAGE_STEP = "PAGE_STEP"  # page one escalation step (bot/services/paging)
    PAGE_SYNC = "PAGE_SYNC"  # acknowledge / resolve every target paged
    PAGE_BY_HAND = "PAGE_BY_HAND"  # `/marshal page`: page the named targets now


class QueueMessage(BaseModel):
    event_id: str
    event_type: str  # an EventType value, kept as str so unknown types reach the dead-letter queue
    incident_id: str
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime = Field(default_factory=utcnow)


class Delivery(BaseModel):
    message: QueueMessage
    receipt: str
    receive_count: int


class DeadLetter(BaseModel):
    message: QueueMessage
    receive_count: int
    reason: str = ""
    dead_at: datetime | None = None


class Queue(Protocol):
    def ping(self) -> None:
        """Raise BackendUnavailable when the queue cannot accept messages."""

    def send(self, message: QueueMessage) -> None: ...

    def receive(
        self, *, max_messages: int = 10, wait_seconds: float = 1.0, visibility_seconds: int = 60
    ) -> list[Delivery]: ...

    def ack(self, delivery: Delivery) -> None: ...

    def retry_later(self, delivery: Delivery, *, delay_seconds: int = 0) -> None:
        """Give the message back; it counts one receive toward the dead-letter limit."""

    def extend(self, delivery: Delivery, *, visibility_seconds: int) -> None: ...

    def dead_letter(self, delivery: Delivery, *, reason: str) -> None:
        """Move it to the dead-letter queue now (unknown type, poison message)."""

    def dead_letters(self, *, limit: int = 100) -> list[DeadLetter]: ...
