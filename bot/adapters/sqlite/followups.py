"""SqliteFollowUpStore: the FollowUpStore port on the shared SQLite database.

One row per follow-up with its indexed columns (status, owner, service, incident, due,
created and closed keys; migration 5 in schema.py); the conditional update is one
`UPDATE … WHERE id AND version`, atomic in SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from bot.adapters.listing import time_key
from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.errors import BackendUnavailable, ConcurrentUpdate, NotFound
from bot.domain.followups import FollowUp, FollowUpStatus


def _key(moment: datetime, followup_id: str) -> str:
    return f"{time_key(moment)}#{followup_id}"


def _row(f: FollowUp) -> tuple[object, ...]:
    closed = _key(f.closed_at, f.id) if f.closed_at else None
    return (
        f.incident_id,
        f.status.value,
        f.owner,
        f.service,
        _key(f.due_at, f.id),
        _key(f.created_at, f.id),
        closed,
        f.version,
        f.model_dump_json(),
        f.id,
    )


class SqliteFollowUpStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database

    def add(self, followup: FollowUp) -> FollowUp:
        try:
            self.database.write(
                "INSERT INTO followups (incident_id, status, owner, service, due_key, "
                "created_key, closed_key, version, data, id) VALUES (?,?,?,?,?,?,?,?,?,?)",
                _row(followup),
            )
        except sqlite3.IntegrityError as exc:
            raise ConcurrentUpdate(
                f"follow-up {followup.id} already exists", current=self.get(followup.id)
            ) from exc
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"SQLite could not save follow-up: {exc}") from exc
        return followup

    def get(self, followup_id: str) -> FollowUp | None:
        found = self._select("WHERE id = ?", (followup_id,))
        return found[0] if found else None

    def update(self, followup: FollowUp, *, expected_version: int) -> FollowUp:
        written = followup.model_copy(update={"version": expected_version + 1})
        try:
            changed = self.database.write(
                "UPDATE followups SET incident_id = ?, status = ?, owner = ?, service = ?, "
                "due_key = ?, created_key = ?, closed_key = ?, version = ?, data = ? "
                "WHERE id = ? AND version = ?",
                (*_row(written), expected_version),
            )
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"SQLite could not update follow-up: {exc}") from exc
        if changed == 1:
            return written
        current = self.get(followup.id)
        if current is None:
            raise NotFound(f"follow-up {followup.id} does not exist")
        raise ConcurrentUpdate(
            f"follow-up {followup.id} is now version {current.version}, "
            f"expected {expected_version}",
            current=current,
        )

    def for_incident(self, incident_id: str) -> list[FollowUp]:
        return self._select("WHERE incident_id = ? ORDER BY created_key", (incident_id,))

    def with_status(self, status: FollowUpStatus, *, limit: int = 1000) -> list[FollowUp]:
        return self._select("WHERE status = ? ORDER BY due_key LIMIT ?", (status.value, limit))

    def open_due_before(self, moment: datetime, *, limit: int = 1000) -> list[FollowUp]:
        return self._select(
            "WHERE status = ? AND due_key < ? ORDER BY due_key LIMIT ?",
            (FollowUpStatus.OPEN.value, time_key(moment), limit),
        )

    def for_owner(self, owner: str, status: FollowUpStatus, *, limit: int = 1000) -> list[FollowUp]:
        return self._select(
            "WHERE owner = ? AND status = ? ORDER BY due_key LIMIT ?", (owner, status.value, limit)
        )

    def for_service(
        self, service: str, status: FollowUpStatus, *, limit: int = 1000
    ) -> list[FollowUp]:
        return self._select(
            "WHERE service = ? AND status = ? ORDER BY due_key LIMIT ?",
            (service, status.value, limit),
        )

    def created_between(self, start: datetime, end: datetime) -> list[FollowUp]:
        return self._select(
            "WHERE created_key >= ? AND created_key < ? ORDER BY created_key",
            (time_key(start), time_key(end)),
        )

    def closed_between(self, start: datetime, end: datetime) -> list[FollowUp]:
        return self._select(
            "WHERE closed_key IS NOT NULL AND closed_key >= ? AND closed_key < ? "
            "ORDER BY closed_key",
            (time_key(start), time_key(end)),
        )

    def _select(self, where: str, params: Sequence[object]) -> list[FollowUp]:
        try:
            rows = self.database.fetch_all(f"SELECT data FROM followups {where}", params)  # noqa: S608 - fixed clauses
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"SQLite could not read follow-ups: {exc}") from exc
        return [FollowUp.model_validate_json(row[0]) for row in rows]
