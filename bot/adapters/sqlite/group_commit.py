"""GroupCommit: concurrent writers' work in one SQLite transaction, one disk flush for all.

With `synchronous = FULL` every COMMIT waits for the disk, and that wait, not the Python
around it, bounded embedded ingest (benchmarks/ingest.py: about 4 ms a commit on the shared
test machine against 0.5 ms of work). Writers that arrive while a commit is under way queue
up; when it finishes, one of them (the leader) runs every queued piece of work in one
BEGIN IMMEDIATE ... COMMIT, each in a SAVEPOINT of its own, so one failing piece rolls back
alone and raises in its own caller. Nobody is answered before the commit that holds their
work returned, so a 2xx still means on disk. A lone writer commits at once: no waiting for
a batch to fill.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.errors import BackendUnavailable

T = TypeVar("T")


@dataclass
class _Work(Generic[T]):
    run: Callable[[sqlite3.Connection], T]
    done: bool = False
    value: Any = None
    error: BaseException | None = None


class GroupCommit:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        self._turn = threading.Condition()
        self._queued: list[_Work[Any]] = []
        self._committing = False
        self.commits = 0  # how many transactions carried the work (for tests and benchmarks)

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(conn)` inside a committed transaction, maybe shared with other callers'."""
        mine: _Work[T] = _Work(work)
        with self._turn:
            self._queued.append(mine)
            while self._committing and not mine.done:
                self._turn.wait()
            if not mine.done:
                self._committing = True
                batch, self._queued = self._queued, []
        if not mine.done:
            self._lead(batch)
        if mine.error is not None:
            raise mine.error
        value: T = mine.value
        return value

    def _lead(self, batch: list[_Work[Any]]) -> None:
        try:
            with self._db.transaction() as conn:
                for work in batch:
                    _run_in_savepoint(conn, work)
            self.commits += 1
        except Exception as exc:  # noqa: BLE001 - nothing of the batch is stored: every caller hears why
            for work in batch:
                work.error = _as_outage(exc)
        finally:
            with self._turn:
                for work in batch:
                    work.done = True
                self._committing = False
                self._turn.notify_all()


def _run_in_savepoint(conn: sqlite3.Connection, work: _Work[Any]) -> None:
    conn.execute("SAVEPOINT work")
    try:
        work.value = work.run(conn)
    except Exception as exc:  # noqa: BLE001 - raised again in the caller's own thread
        conn.execute("ROLLBACK TO work")
        work.error = exc
    conn.execute("RELEASE work")


def _as_outage(exc: Exception) -> Exception:
    if isinstance(exc, BackendUnavailable):
        return BackendUnavailable(str(exc))
    if isinstance(exc, sqlite3.Error):
        return BackendUnavailable(f"SQLite: {exc}")
    return exc
