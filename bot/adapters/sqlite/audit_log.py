"""AuditLog on SQLite: one row per event, the sealed event as JSON, chained per incident.

The read of the chain's tail and the insert of the next event share one BEGIN IMMEDIATE
transaction, so concurrent appends from threads or processes queue up into one chain.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.audit import AuditAction, AuditEvent, chain_event
from bot.domain.models import utcnow


class SqliteAuditLog:
    def __init__(self, database: SqliteDatabase, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.database = database
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
        with self.database.transaction() as conn:
            if event_id is not None:
                existing = conn.execute(
                    "SELECT data FROM audit_events WHERE event_id = ?", (event_id,)
                ).fetchone()
                if existing:
                    return AuditEvent.model_validate_json(existing[0])
            previous = _last_event(conn, incident_id)
            event = chain_event(
                previous,
                incident_id=incident_id,
                actor=actor,
                action=action,
                details=details,
                event_id=event_id,
                at=self._clock(),
            )
            conn.execute(
                "INSERT INTO audit_events (incident_id, seq, event_id, data) VALUES (?, ?, ?, ?)",
                (incident_id, event.seq, event.event_id, event.model_dump_json()),
            )
        return event

    def events(self, incident_id: str) -> list[AuditEvent]:
        rows = self.database.fetch_all(
            "SELECT data FROM audit_events WHERE incident_id = ? ORDER BY seq", (incident_id,)
        )
        return [AuditEvent.model_validate_json(r[0]) for r in rows]

    def incident_ids(self) -> list[str]:
        rows = self.database.fetch_all(
            "SELECT DISTINCT incident_id FROM audit_events ORDER BY incident_id"
        )
        return [r[0] for r in rows]


def _last_event(conn: sqlite3.Connection, incident_id: str) -> AuditEvent | None:
    row = conn.execute(
        "SELECT data FROM audit_events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
        (incident_id,),
    ).fetchone()
    return AuditEvent.model_validate_json(row[0]) if row else None
