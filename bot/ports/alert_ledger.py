"""AlertLedger: the write of one accepted notification, in as few round trips as the backend
allows (issue 17).

`IncidentStore.ingest` writes the dedup record, the incident and the outbox event atomically;
the ledger adds the notification's audit event to that same atomic write, and where the queue
lives in the same database (the embedded deployment) the queue message too, so the outbox
event comes back already sent. `OutboxMarks` is how the intake says that the queue took an
event the ledger could not enqueue itself; an adapter may record that lazily, since the
OutboxRelay re-sends pending events and the queue dedups on event id.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from bot.domain.audit import AuditAction, AuditEntry
from bot.domain.models import Alert, AlertStatus, Incident
from bot.ports.store import Intake, OutboxEvent

AUDIT_EVENT_SUFFIX = ".audit"  # an intake's audit event id: its outbox event id + this


class IntakeAudit(BaseModel):
    """The audit event an accepted notification leaves; its action follows from the outcome."""

    model_config = ConfigDict(frozen=True)

    actor: str
    details: dict[str, Any]

    @staticmethod
    def event_id(intake: Intake) -> str:
        """Named after the stored outbox event, so a re-send names the same audit event."""
        return f"{intake.outbox.event_id}{AUDIT_EVENT_SUFFIX}"

    def entry(self, alert: Alert, intake: Intake) -> AuditEntry:
        """The audit entry `intake` of `alert` leaves."""
        return AuditEntry(
            self.actor, self.action(alert, intake), self.details, self.event_id(intake)
        )

    def action(self, alert: Alert, intake: Intake) -> AuditAction:
        if alert.status is AlertStatus.RESOLVED:
            return AuditAction.ALERT_RESOLVED
        # a re-send reads "created" back from its stored event (the candidate id it carried)
        created = intake.created or intake.outbox.payload.get("candidate_id") == intake.incident.id
        return AuditAction.INCIDENT_CREATED if created else AuditAction.ALERT_ATTACHED


class AlertLedger(Protocol):
    def record(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent, audit: IntakeAudit
    ) -> Intake | None:
        """`IncidentStore.ingest(alert, new_incident, event)` plus the audit event `audit`
        describes, committed together where the backend allows it. A duplicate's audit event
        is the one its first acceptance wrote (appending is idempotent on its event id).
        The returned outbox event has `sent_at` set when the ledger enqueued it itself."""


class OutboxMarks(Protocol):
    def sent(self, event: OutboxEvent, alert: Alert | None = None) -> None:
        """The queue accepted `event` (announcing `alert`, when it came from one)."""


@dataclass(frozen=True)
class SettledResend:
    """A re-sent notification whose first acceptance left nothing to do: its incident."""

    incident_id: str


@runtime_checkable
class SettledResends(Protocol):
    """A backend that can answer a re-send from one read, before the intake builds anything
    to write (issue 17: a duplicate costs one SQLite statement, not a parsed incident)."""

    def settled(self, alert: Alert) -> SettledResend | None:
        """The incident a re-send of `alert` landed on when its first acceptance is complete
        (stored, enqueued, audited) and it is no recurrence; None when `AlertLedger.record`
        has something to decide or write."""


class Unread(Enum):
    """Why a read that must not wait was not made: the caller asks again where it may wait."""

    WOULD_WAIT = "would wait"


@runtime_checkable
class ResendsReadAtOnce(Protocol):
    """A backend whose settled read never waits: a local file read that takes no lock it
    could queue for. The web tier asks it on its event loop, so a re-send is answered with
    no hop to a worker thread (issue 17: the hop, and the GIL hand-offs around a read made in
    a worker, were most of a duplicate's cost on the embedded deployment)."""

    def settled_at_once(self, alert: Alert) -> SettledResend | Unread | None:
        """As `SettledResends.settled`, or Unread.WOULD_WAIT when reading now would wait
        (the database is locked, the reader is busy, or the read failed)."""


@runtime_checkable
class RecordsTogether(Protocol):
    """A ledger that can hold every alert one thread records in a block in one commit, and
    whose `record` is the whole write (nothing else is written or enqueued after it). The web
    tier then records all waiting webhook requests on one thread, a commit per batch."""

    def together(self) -> AbstractContextManager[None]:
        """Nothing recorded in the block is durable, nor announced, before it ends without
        error; an error out of it (the commit failing) undoes all of it."""
