"""SqliteAlertLedger: one accepted notification is one SQLite commit (issue 17).

The dedup record, the incident, the outbox event, the audit event (with its chain's anchored
head) and, when the local queue lives in the same file, the queue message and the outbox
event's "sent" mark: all in one BEGIN IMMEDIATE ... COMMIT. With `synchronous = FULL` each
commit is a disk flush, so this is the number of flushes an alert costs (four before).
A crash before the commit leaves nothing; after it, everything, already enqueued.
Concurrent alerts share commits (group_commit.py), and a re-send that finds its first
acceptance complete is answered from reads, without the write lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.group_commit import GroupCommit
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.sqlite.local_queue import LocalQueue
from bot.domain.models import Alert, Incident, utcnow
from bot.ports.alert_ledger import IntakeAudit
from bot.ports.queue import QueueMessage
from bot.ports.store import Intake, OutboxEvent


class SqliteAlertLedger:
    """`queue` is used only when it shares the store's database file (else the intake sends)."""

    def __init__(
        self,
        store: SqliteIncidentStore,
        audit: SqliteAuditLog,
        queue: LocalQueue | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if audit.database is not store.database:
            raise ValueError("the audit log and the store must share one SqliteDatabase")
        self._db = store.database
        self._store = store
        self._audit = audit
        self._queue = queue if queue is not None and queue.database is store.database else None
        self._commits = GroupCommit(store.database)
        self._clock = clock

    def record(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent, audit: IntakeAudit
    ) -> Intake | None:
        settled = self._settled_duplicate(alert, audit)
        if settled is not None:
            return settled
        intake, enqueued = self._commits.run(
            lambda conn: self._write(conn, alert, new_incident, event, audit)
        )
        if enqueued and self._queue is not None:
            self._queue.announce()
        return intake

    @property
    def commits(self) -> int:
        """Transactions the ledger committed (concurrent alerts share one)."""
        return self._commits.commits

    def _settled_duplicate(self, alert: Alert, audit: IntakeAudit) -> Intake | None:
        """A re-send whose first acceptance is fully written (enqueued, audited): answered
        from reads alone, without waiting for the write lock."""
        with self._db.reading() as conn:
            intake = self._store.duplicate_on(conn, alert)
            if intake is None or intake.outbox.sent_at is None:
                return None
            return intake if self._audit.has_event_on(conn, audit.event_id(intake)) else None

    def _write(
        self,
        conn: sqlite3.Connection,
        alert: Alert,
        new_incident: Incident | None,
        event: OutboxEvent,
        audit: IntakeAudit,
    ) -> tuple[Intake | None, bool]:
        if self._queue is not None:
            # enqueued below in this same commit: the event is stored as sent straight away
            event = event.model_copy(update={"sent_at": self._clock()})
        intake = self._store.ingest_on(conn, alert, new_incident, event)
        if intake is None:
            return None, False
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
        if self._queue is None:
            return intake, False
        if intake.duplicate:
            if intake.outbox.sent_at is not None:
                return intake, False  # the stored event went out with its first acceptance
            # accepted by a marshal that enqueued separately and died before the queue took it
            intake = intake.model_copy(
                update={"outbox": self._store.mark_sent_on(conn, intake.outbox)}
            )
        self._queue.send_on(conn, _message(intake.outbox))
        return intake, True


def _message(event: OutboxEvent) -> QueueMessage:
    return QueueMessage(
        event_id=event.event_id,
        event_type=event.event_type,
        incident_id=event.incident_id,
        payload=dict(event.payload),
        created_at=event.created_at,
    )
