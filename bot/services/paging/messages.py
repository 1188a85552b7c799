"""The paging queue events and their ids.

Ids are derived from what the event does (incident, epoch, step or sync action), never
random: the timer, a replica's timer and a command asking for the same step all send the
same id, and the queue delivers one (`send` is idempotent on the event id).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.domain.models import utcnow
from bot.ports.queue import EventType, QueueMessage
from bot.ports.store import OutboxEvent


class SyncAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


def page_step(incident_id: str, epoch: int, step: int, *, due: datetime) -> QueueMessage:
    """The step's id names its due time too: a hold or `/marshal escalate` moves the due
    time, and the re-planned event must not be swallowed as a re-send of the first."""
    return QueueMessage(
        event_id=f"page-{incident_id}-{epoch}-{step}-{int(due.timestamp())}",
        event_type=EventType.PAGE_STEP.value,
        incident_id=incident_id,
        payload={"epoch": epoch, "step": step},
    )


def page_step_outbox(incident_id: str, epoch: int, step: int, *, due: datetime) -> OutboxEvent:
    message = page_step(incident_id, epoch, step, due=due)
    return OutboxEvent(
        event_id=message.event_id,
        incident_id=incident_id,
        event_type=message.event_type,
        payload=message.payload,
        created_at=utcnow(),
    )


def page_sync(incident_id: str, epoch: int, action: SyncAction) -> QueueMessage:
    return QueueMessage(
        event_id=f"pagesync-{incident_id}-{epoch}-{action.value}",
        event_type=EventType.PAGE_SYNC.value,
        incident_id=incident_id,
        payload={"epoch": epoch, "action": action.value},
    )
