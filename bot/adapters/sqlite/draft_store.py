"""SqliteDraftStore: the DraftStore port on the shared SQLite database.

The conditional update is a single `UPDATE … WHERE id AND version AND status`, atomic in
SQLite; with WAL every read sees the last committed write, so `get` is strongly consistent.
"""

from __future__ import annotations

import sqlite3

from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.draft_lifecycle import check_draft_transition
from bot.domain.errors import BackendUnavailable, ConcurrentUpdate, NotFound
from bot.domain.models import DraftStatus, StatusPageDraft


def _created_key(draft: StatusPageDraft) -> str:
    return f"{draft.created_at.isoformat()}#{draft.id}"


class SqliteDraftStore:
    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database

    def add(self, draft: StatusPageDraft) -> StatusPageDraft:
        try:
            self.database.write(
                "INSERT INTO status_page_drafts "
                "(id, incident_id, created_key, version, status, data) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    draft.id,
                    draft.incident_id,
                    _created_key(draft),
                    draft.version,
                    draft.status.value,
                    draft.model_dump_json(),
                ),
            )
        except sqlite3.IntegrityError as exc:
            raise ConcurrentUpdate(
                f"draft {draft.id} already exists", current=self.get(draft.id)
            ) from exc
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"SQLite could not save draft {draft.id}: {exc}") from exc
        return draft

    def get(self, draft_id: str) -> StatusPageDraft | None:
        try:
            row = self.database.fetch_one(
                "SELECT data FROM status_page_drafts WHERE id = ?", (draft_id,)
            )
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"SQLite could not read draft {draft_id}: {exc}") from exc
        return StatusPageDraft.model_validate_json(row[0]) if row else None

    def update(
        self,
        draft: StatusPageDraft,
        *,
        expected_version: int,
        expected_status: DraftStatus,
    ) -> StatusPageDraft:
        # the state machine's table is the stores' too: no write skips a step (e.g. to
        # published without a claim), whoever calls
        check_draft_transition(draft.id, expected_status, draft.status)
        written = draft.model_copy(update={"version": expected_version + 1})
        try:
            changed = self.database.write(
                "UPDATE status_page_drafts SET version = ?, status = ?, data = ? "
                "WHERE id = ? AND version = ? AND status = ?",
                (
                    written.version,
                    written.status.value,
                    written.model_dump_json(),
                    draft.id,
                    expected_version,
                    expected_status.value,
                ),
            )
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"SQLite could not update draft {draft.id}: {exc}") from exc
        if changed == 1:
            return written
        current = self.get(draft.id)
        if current is None:
            raise NotFound(f"draft {draft.id} does not exist")
        raise ConcurrentUpdate(
            f"draft {draft.id} is now version {current.version} ({current.status}), "
            f"expected version {expected_version} ({expected_status})",
            current=current,
        )

    def list_for_incident(self, incident_id: str) -> list[StatusPageDraft]:
        try:
            rows = self.database.fetch_all(
                "SELECT data FROM status_page_drafts WHERE incident_id = ? ORDER BY created_key",
                (incident_id,),
            )
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"SQLite could not list drafts: {exc}") from exc
        return [StatusPageDraft.model_validate_json(row[0]) for row in rows]

    def latest_pending(self, incident_id: str) -> StatusPageDraft | None:
        pending = [
            d for d in self.list_for_incident(incident_id) if d.status is DraftStatus.PENDING
        ]
        return pending[-1] if pending else None
