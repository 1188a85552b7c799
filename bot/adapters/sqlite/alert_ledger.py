"""SqliteAlertLedger: one accepted notification is one SQLite commit (issue 17).

The dedup record, the incident, the outbox event, the audit event (with its chain's anchored
head) and, when the local queue lives in the same file, the queue message and the outbox
event's "sent" mark: all in one BEGIN IMMEDIATE ... COMMIT. With `synchronous = FULL` each
commit is a disk flush, so this is the number of flushes an alert costs (four before).
A crash before the commit leaves nothing; after it, everything, already enqueued.
"""

from __future__ import annotations

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.sqlite.local_queue import LocalQueue
from bot.domain.models import Alert, Incident
from bot.ports.alert_ledger import IntakeAudit
from bot.ports.queue import QueueMessage
from bot.ports.store import Intake, OutboxEvent


class SqliteAlertLedger:
    """`queue` is used only when it shares the store's database file (else the intake sends)."""

    def __init__(
        self, store: SqliteIncidentStore, audit: SqliteAuditLog, queue: LocalQueue | None = None
    ) -> None:
        if audit.database is not store.database:
            raise ValueError("the audit log and the store must share one SqliteDatabase")
        self._db = store.database
        self._store = store
        self._audit = audit
        self._queue = queue if queue is not None and queue.database is store.database else None

    def record(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent, audit: IntakeAudit
    ) -> Intake | None:
        with self._db.transaction() as conn:
            intake = self._store.ingest_on(conn, alert, new_incident, event)
            if intake is None:
                return None
            # A duplicate's audit event was committed with it, unless it was accepted by an
            # older marshal that appended separately; the idempotent append covers both.
            self._audit.append_on(
                conn,
                intake.incident.id,
                actor=audit.actor,
                action=audit.action(alert, intake),
                details=audit.details,
                event_id=audit.event_id(intake),
            )
            enqueue = self._queue is not None and intake.outbox.sent_at is None
            if enqueue:
                assert self._queue is not None
                self._queue.send_on(conn, _message(intake.outbox))
                sent = self._store.mark_sent_on(conn, intake.outbox)
                intake = intake.model_copy(update={"outbox": sent})
        if enqueue and self._queue is not None:
            self._queue.announce()
        return intake


def _message(event: OutboxEvent) -> QueueMessage:
    return QueueMessage(
        event_id=event.event_id,
        event_type=event.event_type,
        incident_id=event.incident_id,
        payload=dict(event.payload),
        created_at=event.created_at,
    )
