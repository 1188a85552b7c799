"""IncidentStore on SQLite: incidents, group claims, alert dedup records, outbox, timeline, claims.

Every read-modify-write runs in one BEGIN IMMEDIATE transaction, which serialises
writers across threads and processes; rows keep the pydantic JSON in `data` plus the
few columns the queries filter or sort on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.adapters.listing import IncidentCursor, time_key, triggered_key
from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.models import Alert, Incident, TimelineEntry, utcnow
from bot.ports.store import AlertRecord, Intake, OutboxEvent, Page, is_recurrence

# One row whatever exists: the alert's dedup record (incident, outbox event) and the
# incident holding the alert's group, each NULL when absent.
# The dedup record, the group's claim and the claiming incident in one statement (issue 17:
# each statement is a GIL hand-off inside the write lock); `c.data` is NULL when the claim
# names no incident.
_RECORD_AND_CLAIM = """
    SELECT a.incident_id, a.outbox_event_id, g.incident_id, c.data
    FROM (SELECT ? AS dedup_key, ? AS group_key) AS k
    LEFT JOIN alerts AS a ON a.dedup_key = k.dedup_key
    LEFT JOIN group_claims AS g ON g.group_key = k.group_key
    LEFT JOIN incidents AS c ON c.id = g.incident_id
"""


def dedup_key(alert: Alert) -> str:
    return f"{alert.source.value}:{alert.external_id}:{alert.status.value}"


class SqliteIncidentStore:
    def __init__(self, database: SqliteDatabase, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.database = database
        self._clock = clock

    def ping(self) -> None:
        self.database.ping()

    # -- incidents -------------------------------------------------------------------------

    def ingest(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent
    ) -> Intake | None:
        with self.database.transaction() as conn:
            return self.ingest_on(conn, alert, new_incident, event)

    def ingest_on(
        self,
        conn: sqlite3.Connection,
        alert: Alert,
        new_incident: Incident | None,
        event: OutboxEvent,
    ) -> Intake | None:
        """`ingest` inside the caller's transaction (the alert ledger's single commit)."""
        key = dedup_key(alert)
        known_incident, known_event, claimed_by, claimant = conn.execute(
            _RECORD_AND_CLAIM, (key, alert.group_key)
        ).fetchone()
        if known_incident is not None:
            incident = _load_incident(conn, known_incident)
            outbox = _load_outbox(conn, known_event)
            if incident is None or outbox is None:
                raise NotFound(f"alert record {key} points at a missing record")
            if not is_recurrence(alert, incident):
                return Intake(incident=incident, created=False, duplicate=True, outbox=outbox)
            conn.execute("DELETE FROM alerts WHERE dedup_key = ?", (key,))
        incident = self._open_incident_of_group(
            conn,
            alert.group_key,
            claimed_by,
            claimant=Incident.model_validate_json(claimant) if claimant else None,
        )
        created = incident is None
        if incident is None:
            if new_incident is None:
                return None
            incident = new_incident
            _insert_incident(conn, incident)
        else:
            incident = incident.model_copy(
                update={
                    "alert_count": incident.alert_count + 1,
                    "version": incident.version + 1,
                    "updated_at": self._clock(),
                }
            )
            _write_incident(conn, incident)
        outbox = event.model_copy(update={"incident_id": incident.id})
        record = AlertRecord(dedup_key=key, incident_id=incident.id, alert=alert)
        conn.execute(
            "INSERT INTO alerts (dedup_key, incident_id, outbox_event_id, data) "
            "VALUES (?, ?, ?, ?)",
            (key, incident.id, outbox.event_id, record.model_dump_json()),
        )
        _insert_outbox(conn, outbox)
        return Intake(incident=incident, created=created, duplicate=False, outbox=outbox)

    def create_if_absent(self, incident: Incident) -> tuple[Incident, bool]:
        with self.database.transaction() as conn:
            claimed_by = _group_claim(conn, incident.group_key)
            existing = self._open_incident_of_group(conn, incident.group_key, claimed_by)
            if existing is not None:
                return existing, False
            same_id = _load_incident(conn, incident.id)
            if same_id is not None:
                return same_id, False
            _insert_incident(conn, incident)
        return incident, True

    def get(self, incident_id: str, *, consistent: bool = True) -> Incident | None:
        # SQLite reads are always consistent; `consistent` matters to DynamoDB only
        with self.database.reading() as conn:
            return _load_incident(conn, incident_id)

    def update(self, incident: Incident, *, expected_version: int) -> Incident:
        return self.update_with_events(incident, expected_version=expected_version, events=())

    def update_with_events(
        self, incident: Incident, *, expected_version: int, events: Sequence[OutboxEvent]
    ) -> Incident:
        written = incident.model_copy(update={"version": expected_version + 1})
        with self.database.transaction() as conn:
            current = _load_incident(conn, incident.id)
            if current is None:
                raise NotFound(f"incident {incident.id} does not exist")
            if current.version != expected_version:
                raise ConcurrentUpdate(
                    f"incident {incident.id} is at version {current.version}, "
                    f"not {expected_version}",
                    current=current,
                )
            _write_incident(conn, written)
            if written.is_open:
                # a reopened incident takes its group back unless a newer incident holds it
                conn.execute(
                    "INSERT OR IGNORE INTO group_claims (group_key, incident_id) VALUES (?, ?)",
                    (written.group_key, written.id),
                )
            else:
                conn.execute(
                    "DELETE FROM group_claims WHERE group_key = ? AND incident_id = ?",
                    (written.group_key, written.id),
                )
            for event in events:
                _insert_outbox(conn, event)
        return written

    def find_by_channel(self, channel_id: str) -> Incident | None:
        row = self.database.fetch_one(
            "SELECT data FROM incidents WHERE channel_id = ? ORDER BY triggered_key DESC LIMIT 1",
            (channel_id,),
        )
        return Incident.model_validate_json(row[0]) if row else None

    def list_incidents(
        self, *, open_only: bool = True, limit: int = 50, cursor: str | None = None
    ) -> Page[Incident]:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        clauses, params = [], []
        if open_only:
            clauses.append("is_open = 1")
        if cursor is not None:
            clauses.append("triggered_key < ?")
            params.append(IncidentCursor.decode(cursor).triggered_key)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self.database.fetch_all(
            f"SELECT data, triggered_key FROM incidents {where} "  # noqa: S608 - fixed clauses
            "ORDER BY triggered_key DESC LIMIT ?",
            (*params, limit + 1),
        )
        items = [Incident.model_validate_json(r[0]) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = IncidentCursor(rows[limit - 1][1], last.id).encode()
        return Page[Incident](items=items, next_cursor=next_cursor)

    # -- outbox ----------------------------------------------------------------------------

    def pending_outbox(self, *, older_than: datetime, limit: int = 100) -> list[OutboxEvent]:
        rows = self.database.fetch_all(
            "SELECT data FROM outbox WHERE sent_at IS NULL AND created_key < ? "
            "ORDER BY created_key, event_id LIMIT ?",
            (time_key(older_than), limit),
        )
        return [OutboxEvent.model_validate_json(r[0]) for r in rows]

    def mark_outbox_sent(self, event_id: str) -> None:
        with self.database.transaction() as conn:
            event = _load_outbox(conn, event_id)
            if event is None or event.sent_at is not None:
                return
            self.mark_sent_on(conn, event)

    def mark_sent_on(self, conn: sqlite3.Connection, event: OutboxEvent) -> OutboxEvent:
        """Mark the stored, pending `event` sent inside the caller's transaction."""
        now = self._clock()
        sent = event.model_copy(update={"sent_at": now})
        conn.execute(
            "UPDATE outbox SET sent_at = ?, data = ? WHERE event_id = ?",
            (time_key(now), sent.model_dump_json(), event.event_id),
        )
        return sent

    def add_outbox(self, event: OutboxEvent) -> None:
        with self.database.transaction() as conn:
            _insert_outbox(conn, event)

    # -- timeline --------------------------------------------------------------------------

    def add_timeline(self, entry: TimelineEntry) -> None:
        with self.database.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO timeline (id, incident_id, at_key, source_ref, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    entry.id,
                    entry.incident_id,
                    time_key(entry.at),
                    entry.source_ref,
                    entry.model_dump_json(),
                ),
            )

    def remove_timeline(self, incident_id: str, entry_id: str) -> bool:
        with self.database.transaction() as conn:
            cursor = conn.execute(
                "DELETE FROM timeline WHERE incident_id = ? AND id = ?", (incident_id, entry_id)
            )
            return cursor.rowcount > 0

    def find_timeline_by_ref(self, incident_id: str, source_ref: str) -> TimelineEntry | None:
        row = self.database.fetch_one(
            "SELECT data FROM timeline WHERE incident_id = ? AND source_ref = ? "
            "ORDER BY at_key, id LIMIT 1",
            (incident_id, source_ref),
        )
        return TimelineEntry.model_validate_json(row[0]) if row else None

    def list_timeline(self, incident_id: str) -> list[TimelineEntry]:
        rows = self.database.fetch_all(
            "SELECT data FROM timeline WHERE incident_id = ? ORDER BY at_key, id",
            (incident_id,),
        )
        return [TimelineEntry.model_validate_json(r[0]) for r in rows]

    # -- claims ----------------------------------------------------------------------------

    def claim(self, key: str, owner: str, *, ttl_seconds: int | None = None) -> bool:
        now = int(self._clock().timestamp())
        expires_at = now + ttl_seconds if ttl_seconds is not None else None
        with self.database.transaction() as conn:
            row = conn.execute("SELECT expires_at FROM claims WHERE key = ?", (key,)).fetchone()
            if row is not None and (row[0] is None or row[0] > now):
                return False
            conn.execute(
                "INSERT OR REPLACE INTO claims (key, owner, expires_at) VALUES (?, ?, ?)",
                (key, owner, expires_at),
            )
        return True

    def claimed(self, key: str) -> bool:
        now = int(self._clock().timestamp())
        with self.database.transaction() as conn:
            row = conn.execute("SELECT expires_at FROM claims WHERE key = ?", (key,)).fetchone()
        return row is not None and (row[0] is None or row[0] > now)

    # -- inside a transaction --------------------------------------------------------------

    def _open_incident_of_group(
        self,
        conn: sqlite3.Connection,
        group_key: str,
        claimed_by: str | None,
        *,
        claimant: Incident | None = None,
    ) -> Incident | None:
        """`claimed_by`: the group's claim as read in this transaction (`_group_claim`);
        `claimant`: that incident, when read with the claim."""
        if claimed_by is None:
            return None
        incident = claimant or _load_incident(conn, claimed_by)
        if incident is not None and incident.is_open:
            return incident
        # a claim left behind by an incident that is gone or closed: free the group
        conn.execute("DELETE FROM group_claims WHERE group_key = ?", (group_key,))
        return None


def _group_claim(conn: sqlite3.Connection, group_key: str) -> str | None:
    row = conn.execute(
        "SELECT incident_id FROM group_claims WHERE group_key = ?", (group_key,)
    ).fetchone()
    return row[0] if row else None


def _load_incident(conn: sqlite3.Connection, incident_id: str) -> Incident | None:
    row = conn.execute("SELECT data FROM incidents WHERE id = ?", (incident_id,)).fetchone()
    return Incident.model_validate_json(row[0]) if row else None


def _load_outbox(conn: sqlite3.Connection, event_id: str) -> OutboxEvent | None:
    row = conn.execute("SELECT data FROM outbox WHERE event_id = ?", (event_id,)).fetchone()
    return OutboxEvent.model_validate_json(row[0]) if row else None


def _insert_incident(conn: sqlite3.Connection, incident: Incident) -> None:
    conn.execute(
        "INSERT INTO incidents (id, group_key, is_open, channel_id, triggered_key, version, data) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            incident.id,
            incident.group_key,
            int(incident.is_open),
            incident.channel_id,
            triggered_key(incident.triggered_at, incident.id),
            incident.version,
            incident.model_dump_json(),
        ),
    )
    if incident.is_open:
        conn.execute(
            "INSERT OR REPLACE INTO group_claims (group_key, incident_id) VALUES (?, ?)",
            (incident.group_key, incident.id),
        )


def _write_incident(conn: sqlite3.Connection, incident: Incident) -> None:
    conn.execute(
        "UPDATE incidents SET group_key = ?, is_open = ?, channel_id = ?, triggered_key = ?, "
        "version = ?, data = ? WHERE id = ?",
        (
            incident.group_key,
            int(incident.is_open),
            incident.channel_id,
            triggered_key(incident.triggered_at, incident.id),
            incident.version,
            incident.model_dump_json(),
            incident.id,
        ),
    )


def _insert_outbox(conn: sqlite3.Connection, event: OutboxEvent) -> None:
    # idempotent on event_id: re-adding an event never resets its sent_at
    conn.execute(
        "INSERT OR IGNORE INTO outbox (event_id, incident_id, created_key, sent_at, data) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            event.event_id,
            event.incident_id,
            time_key(event.created_at),
            time_key(event.sent_at) if event.sent_at else None,
            event.model_dump_json(),
        ),
    )
