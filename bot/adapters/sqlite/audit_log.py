"""AuditLog on SQLite: one row per event, the sealed event as JSON, chained per incident.

The read of the chain's tail, the insert of the next event and the anchoring of the chain's
new head (bot/adapters/sqlite/audit_anchor.py) share one BEGIN IMMEDIATE transaction, so
concurrent appends from threads or processes queue up into one chain whose anchor always
names its last event.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.adapters.sqlite.audit_anchor import (
    headed_chain_ids,
    read_head,
    write_first_head,
    write_head,
)
from bot.adapters.sqlite.audit_key import embedded_audit_key
from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.audit import AuditAction, AuditEntry, AuditEvent, parse_stored_event
from bot.domain.audit_anchor import AuditHead, sealed_next
from bot.domain.audit_keys import AuditKeyring
from bot.domain.models import utcnow


@dataclass(frozen=True)
class FirstEvent:
    """A new incident's first audit event with its stored JSON and anchor, built before the
    write lock is taken, so the commit's critical section runs SQL, not hashing (issue 17)."""

    event: AuditEvent
    data: str
    head: AuditHead


class SqliteAuditLog:
    """`keys` seal and anchor; without them, the embedded key beside the database file
    (bot/adapters/sqlite/audit_key.py), as `marshal up` uses on the defaults."""

    def __init__(
        self,
        database: SqliteDatabase,
        *,
        keys: AuditKeyring | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.database = database
        self.keys = keys or AuditKeyring(current=embedded_audit_key(database.path))
        self._clock = clock

    def append(
        self,
        incident_id: str,
        *,
        actor: str,
        action: AuditAction,
        details: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> AuditEvent:
        entry = AuditEntry(actor, action, details, event_id)
        with self.database.transaction() as conn:
            return self.append_on(conn, incident_id, entry)

    def append_on(
        self,
        conn: sqlite3.Connection,
        incident_id: str,
        entry: AuditEntry,
        *,
        new_event_id: bool = False,
    ) -> AuditEvent:
        """`append` inside the caller's transaction (the alert ledger's single commit).
        `new_event_id`: the entry's event id was minted for this append, so there is no stored
        event to find by it (a collision would still fail the insert on its unique index)."""
        event_id = entry.event_id
        if event_id is not None and not new_event_id:
            existing = conn.execute(
                "SELECT incident_id, seq, data FROM audit_events WHERE event_id = ?",
                (event_id,),
            ).fetchone()
            if existing:
                return parse_stored_event(existing[0], f"#{existing[1]}", existing[2])
        previous = _last_event(conn, incident_id)
        event, head = self._sealed(previous, incident_id, entry)
        conn.execute(
            "INSERT INTO audit_events (incident_id, seq, event_id, data) VALUES (?, ?, ?, ?)",
            (incident_id, event.seq, event.event_id, event.model_dump_json()),
        )
        write_head(conn, incident_id, head, previous)
        return event

    def first_event(self, incident_id: str, entry: AuditEntry) -> FirstEvent:
        """The first event of a new incident's chain, sealed and anchored, for `first_on`."""
        event, head = self._sealed(None, incident_id, entry)
        return FirstEvent(event, event.model_dump_json(), head)

    def _sealed(
        self, previous: AuditEvent | None, incident_id: str, entry: AuditEntry
    ) -> tuple[AuditEvent, AuditHead]:
        return sealed_next(previous, incident_id, entry, key=self.keys.current, at=self._clock())

    def first_on(self, conn: sqlite3.Connection, first: FirstEvent) -> AuditEvent:
        """Store `first` as the chain of an incident whose row the caller inserted in this
        transaction: no tail to read, no stored event to find, no anchor to move (three
        statements fewer than `append_on`). A chain there after all fails the insert (its
        seq 1 is taken) or the anchor's condition, and the caller's transaction rolls back."""
        event = first.event
        conn.execute(
            "INSERT INTO audit_events (incident_id, seq, event_id, data) VALUES (?, ?, ?, ?)",
            (event.incident_id, event.seq, event.event_id, first.data),
        )
        write_first_head(conn, event.incident_id, first.head)
        return event

    def events(self, incident_id: str) -> list[AuditEvent]:
        rows = self.database.fetch_all(
            "SELECT seq, data FROM audit_events WHERE incident_id = ? ORDER BY seq", (incident_id,)
        )
        return [parse_stored_event(incident_id, f"#{r[0]}", r[1]) for r in rows]

    def head(self, incident_id: str) -> AuditHead | None:
        with self.database.reading() as conn:
            return read_head(conn, incident_id)

    def incident_ids(self) -> list[str]:
        rows = self.database.fetch_all(
            "SELECT DISTINCT incident_id FROM audit_events ORDER BY incident_id"
        )
        return [r[0] for r in rows]

    def headed_chain_ids(self) -> list[str]:
        with self.database.reading() as conn:
            return headed_chain_ids(conn)


def _last_event(conn: sqlite3.Connection, incident_id: str) -> AuditEvent | None:
    row = conn.execute(
        "SELECT seq, data FROM audit_events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
        (incident_id,),
    ).fetchone()
    return parse_stored_event(incident_id, f"#{row[0]}", row[1]) if row else None
