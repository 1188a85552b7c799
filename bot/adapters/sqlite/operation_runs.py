"""SqliteOperationRuns: the OperationRuns port on the shared SQLite database.

`start` is one BEGIN IMMEDIATE transaction: the idempotency key's UNIQUE index, the scope
lock's primary key and the preview's `used_by_run` are checked and written together, so
twenty concurrent confirmations make one run.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.errors import BackendUnavailable, ConcurrentUpdate, NotFound
from bot.domain.operation_run import (
    CANCELLED_BY,
    OperationRun,
    PreviewUnusable,
    RunPreview,
    RunStatus,
    ScopeLocked,
)
from bot.ports.runbooks import StartedRun


@contextmanager
def _sqlite(what: str) -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:
        raise BackendUnavailable(f"SQLite could not {what}: {exc}") from exc


class SqliteOperationRuns:
    def __init__(self, database: SqliteDatabase) -> None:
        self.database = database

    def save_preview(self, preview: RunPreview) -> None:
        with _sqlite(f"save preview for {preview.runbook}"):
            self.database.write(
                "INSERT INTO run_previews (token, used_by_run, data) VALUES (?, ?, ?)",
                (preview.token, preview.used_by_run, preview.model_dump_json()),
            )

    def get_preview(self, token: str) -> RunPreview | None:
        with _sqlite("read a preview"):
            row = self.database.fetch_one("SELECT data FROM run_previews WHERE token = ?", (token,))
        return RunPreview.model_validate_json(row[0]) if row else None

    def cancel_preview(self, token: str, user_id: str) -> bool:
        with _sqlite("cancel a preview"), self.database.transaction() as conn:
            row = conn.execute(
                "SELECT data FROM run_previews WHERE token = ? AND used_by_run IS NULL", (token,)
            ).fetchone()
            if row is None:
                return False
            marker = f"{CANCELLED_BY}{user_id}"
            cancelled = RunPreview.model_validate_json(row[0]).model_copy(
                update={"used_by_run": marker}
            )
            conn.execute(
                "UPDATE run_previews SET used_by_run = ?, data = ? WHERE token = ?",
                (marker, cancelled.model_dump_json(), token),
            )
        return True

    def start(self, run: OperationRun) -> StartedRun:
        with _sqlite(f"start run {run.id}"), self.database.transaction() as conn:
            first = conn.execute(
                "SELECT data FROM operation_runs WHERE idempotency_key = ?",
                (run.idempotency_key,),
            ).fetchone()
            if first is not None:
                return StartedRun(run=OperationRun.model_validate_json(first[0]), created=False)
            preview = conn.execute(
                "SELECT used_by_run, data FROM run_previews WHERE token = ?", (run.preview_token,)
            ).fetchone()
            if preview is None:
                raise PreviewUnusable("that preview is unknown; run the preview again")
            if preview[0] is not None:
                raise PreviewUnusable("that preview was confirmed already", run_id=preview[0])
            holder = conn.execute(
                "SELECT run_id FROM run_locks WHERE scope = ?", (run.scope,)
            ).fetchone()
            if holder is not None:
                raise ScopeLocked(run.scope, holder[0])
            used = RunPreview.model_validate_json(preview[1]).model_copy(
                update={"used_by_run": run.id}
            )
            conn.execute(
                "UPDATE run_previews SET used_by_run = ?, data = ? WHERE token = ?",
                (run.id, used.model_dump_json(), run.preview_token),
            )
            conn.execute("INSERT INTO run_locks (scope, run_id) VALUES (?, ?)", (run.scope, run.id))
            conn.execute(
                "INSERT INTO operation_runs (id, idempotency_key, status, version, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (run.id, run.idempotency_key, run.status.value, run.version, run.model_dump_json()),
            )
        return StartedRun(run=run, created=True)

    def get(self, run_id: str) -> OperationRun | None:
        with _sqlite(f"read run {run_id}"):
            row = self.database.fetch_one("SELECT data FROM operation_runs WHERE id = ?", (run_id,))
        return OperationRun.model_validate_json(row[0]) if row else None

    def update(self, run: OperationRun, *, expected_version: int) -> OperationRun:
        written = run.model_copy(update={"version": expected_version + 1})
        with _sqlite(f"update run {run.id}"), self.database.transaction() as conn:
            changed = conn.execute(
                "UPDATE operation_runs SET status = ?, version = ?, data = ? "
                "WHERE id = ? AND version = ?",
                (
                    written.status.value,
                    written.version,
                    written.model_dump_json(),
                    run.id,
                    expected_version,
                ),
            ).rowcount
            if changed and written.status is RunStatus.COMPLETED:
                conn.execute(
                    "DELETE FROM run_locks WHERE scope = ? AND run_id = ?", (run.scope, run.id)
                )
        if not changed:
            current = self.get(run.id)
            if current is None:
                raise NotFound(f"run {run.id} does not exist")
            raise ConcurrentUpdate(
                f"run {run.id} is now version {current.version}, expected {expected_version}",
                current=current,
            )
        return written

    def list_runs(self, *, limit: int = 50) -> list[OperationRun]:
        with _sqlite("list runs"):
            rows = self.database.fetch_all(
                "SELECT data FROM operation_runs ORDER BY id DESC LIMIT ?", (limit,)
            )
        return [OperationRun.model_validate_json(r[0]) for r in rows]

    def unfinished(self) -> list[OperationRun]:
        with _sqlite("list unfinished runs"):
            rows = self.database.fetch_all(
                "SELECT data FROM operation_runs WHERE status != 'completed' ORDER BY id"
            )
        return [OperationRun.model_validate_json(r[0]) for r in rows]
