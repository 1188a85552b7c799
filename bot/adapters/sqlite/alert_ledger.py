"""SqliteAlertLedger: one accepted notification is one SQLite commit (issue 17).

The dedup record, the incident, the outbox event, the audit event (with its chain's anchored
head) and, when the local queue lives in the same file, the queue message and the outbox
event's "sent" mark: all in one BEGIN IMMEDIATE ... COMMIT. With `synchronous = FULL` each
commit is a disk flush, so this is the number of flushes an alert costs (four before).
A crash before the commit leaves nothing; after it, everything, already enqueued.
Concurrent alerts share commits (group_commit.py). A re-send whose first acceptance is
complete is answered by `settled`: one SELECT of the columns that decide it (no incident or
event parsed, no write lock), asked by the intake before it builds anything to write;
`settled_at_once` is the same read on a reader that never waits, which the web tier asks on
its event loop.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from bot.adapters.sqlite.audit_log import FirstEvent, SqliteAuditLog
from bot.adapters.sqlite.database import ReadWouldWait
from bot.adapters.sqlite.group_commit import GroupCommit
from bot.adapters.sqlite.incident_store import SqliteIncidentStore, dedup_key
from bot.adapters.sqlite.local_queue import LocalQueue
from bot.domain.models import Alert, Incident, utcnow
from bot.ports.alert_ledger import AUDIT_EVENT_SUFFIX, IntakeAudit, SettledResend, Unread
from bot.ports.queue import QueueMessage
from bot.ports.store import Intake, OutboxEvent, is_recurrence_when

# A re-send is settled when its dedup record, incident and sent outbox event exist and its
# audit event was committed: everything the first acceptance had to leave behind.
_SETTLED = """
    SELECT a.incident_id, i.is_open FROM alerts AS a
    JOIN incidents AS i ON i.id = a.incident_id
    JOIN outbox AS o ON o.event_id = a.outbox_event_id AND o.sent_at IS NOT NULL
    WHERE a.dedup_key = ?
      AND EXISTS (SELECT 1 FROM audit_events AS e WHERE e.event_id = a.outbox_event_id || ?)
"""


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
        self._open_groups = RecentGroups()
        self._clock = clock

    def record(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent, audit: IntakeAudit
    ) -> Intake | None:
        # The first audit event of the incident this alert may open is sealed here, outside
        # the write lock, unless its group lately had an open incident that it will join.
        # A wrong guess costs one build or one build under the lock, never a wrong write.
        first = None
        if new_incident is not None and not self._open_groups.holds(alert.group_key):
            first = self._first_event(alert, new_incident, event, audit)
        intake, enqueued = self._commits.run(
            lambda conn: self._write(conn, alert, new_incident, event, audit, first=first)
        )
        if enqueued and self._queue is not None:
            self._commits.after_commit(self._queue.announce)
        if intake is not None and intake.incident.is_open:
            self._open_groups.add(alert.group_key)
        return intake

    def _first_event(
        self, alert: Alert, incident: Incident, event: OutboxEvent, audit: IntakeAudit
    ) -> FirstEvent:
        opened = Intake(incident=incident, created=True, duplicate=False, outbox=event)
        return self._audit.first_event(incident.id, audit.entry(alert, opened))

    @property
    def records_whole(self) -> bool:
        """Whether `record` is the whole of an intake's write (the queue message included),
        so that `together` can hold every record of a batch in one commit."""
        return self._queue is not None

    def together(self) -> AbstractContextManager[None]:
        """See `RecordsTogether`: the alerts this thread records in the block, one commit."""
        return self._commits.held()

    @property
    def commits(self) -> int:
        """Transactions the ledger committed (concurrent alerts share one)."""
        return self._commits.commits

    def settled(self, alert: Alert) -> SettledResend | None:
        """See `SettledResends`: one statement, read without the write lock."""
        return _settled(alert, self._db.fetch_one(_SETTLED, (dedup_key(alert), AUDIT_EVENT_SUFFIX)))

    def settled_at_once(self, alert: Alert) -> SettledResend | Unread | None:
        """See `ResendsReadAtOnce`: the same statement on the reader that never waits."""
        try:
            row = self._db.fetch_one_at_once(_SETTLED, (dedup_key(alert), AUDIT_EVENT_SUFFIX))
        except ReadWouldWait:
            return Unread.WOULD_WAIT
        return _settled(alert, row)

    def _write(
        self,
        conn: sqlite3.Connection,
        alert: Alert,
        new_incident: Incident | None,
        event: OutboxEvent,
        audit: IntakeAudit,
        *,
        first: FirstEvent | None,
    ) -> tuple[Intake | None, bool]:
        if self._queue is not None:
            # enqueued below in this same commit: the event is stored as sent straight away
            event = event.model_copy(update={"sent_at": self._clock()})
        intake = self._store.ingest_on(conn, alert, new_incident, event)
        if intake is None:
            return None, False
        self._audit_on(conn, alert, intake, audit, first)
        if self._queue is None:
            return intake, False
        if intake.duplicate:
            if intake.outbox.sent_at is not None:
                return intake, False  # the stored event went out with its first acceptance
            # accepted by a marshal that enqueued separately and died before the queue took it
            intake = intake.model_copy(
                update={"outbox": self._store.mark_sent_on(conn, intake.outbox)}
            )
        # a new notification's event id was minted by the intake: no message can have it
        self._queue.send_on(conn, _message(intake.outbox), new_event_id=not intake.duplicate)
        return intake, True

    def _audit_on(
        self,
        conn: sqlite3.Connection,
        alert: Alert,
        intake: Intake,
        audit: IntakeAudit,
        first: FirstEvent | None,
    ) -> None:
        if intake.created:
            # the incident row was inserted just now: its chain starts here
            if first is None or first.event.incident_id != intake.incident.id:
                first = self._first_event(alert, intake.incident, intake.outbox, audit)
            self._audit.first_on(conn, first)
            return
        # A duplicate's audit event was committed with it, unless it was accepted by an
        # older marshal that appended separately; the idempotent append covers both. A new
        # notification's audit event is named after its new outbox event: nothing to find.
        self._audit.append_on(
            conn, intake.incident.id, audit.entry(alert, intake), new_event_id=not intake.duplicate
        )


class RecentGroups:
    """Group keys whose alert lately landed on an open incident, the newest `kept`: a hint
    only (the commit decides), so forgetting or a stale entry is harmless."""

    def __init__(self, kept: int = 4096) -> None:
        self._kept = kept
        self._keys: dict[str, None] = {}
        self._lock = threading.Lock()

    def holds(self, group_key: str) -> bool:
        return group_key in self._keys

    def add(self, group_key: str) -> None:
        with self._lock:
            self._keys[group_key] = None
            if len(self._keys) > self._kept:
                del self._keys[next(iter(self._keys))]


def _settled(alert: Alert, row: tuple[Any, ...] | None) -> SettledResend | None:
    if row is None or is_recurrence_when(alert, incident_open=bool(row[1])):
        return None
    return SettledResend(incident_id=row[0])


def _message(event: OutboxEvent) -> QueueMessage:
    return QueueMessage(
        event_id=event.event_id,
        event_type=event.event_type,
        incident_id=event.incident_id,
        payload=dict(event.payload),
        created_at=event.created_at,
    )
