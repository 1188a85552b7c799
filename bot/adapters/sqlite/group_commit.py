"""GroupCommit: concurrent writers' work in one SQLite transaction, one disk flush for all.

With `synchronous = FULL` every COMMIT waits for the disk, and that wait, not the Python
around it, bounded embedded ingest (benchmarks/ingest.py: about 4 ms a commit on the shared
test machine against 0.5 ms of work). Writers that arrive while a commit is under way queue
up; when it finishes, one of them (the leader) runs every queued piece of work in one
BEGIN IMMEDIATE ... COMMIT, each in a SAVEPOINT of its own, so one failing piece rolls back
alone and raises in its own caller. Nobody is answered before the commit that holds their
work returned, so a 2xx still means on disk. A lone writer commits at once: no waiting for
a batch to fill.

`held()` is the same batch driven by one thread: every `run` that thread makes in the block
runs at once in its own savepoint of one transaction, committed when the block ends (the web
tier's IntakeWriter records all waiting webhook requests so). Whatever must not happen before
the commit (announcing a queue message) goes through `after_commit`.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


@dataclass
class _Held:
    """The transaction one thread holds open in `GroupCommit.held`."""

    conn: sqlite3.Connection
    after_commit: list[Callable[[], None]] = field(default_factory=list)


class GroupCommit:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database
        self._turn = threading.Condition()
        self._queued: list[_Work[Any]] = []
        self._committing = False
        self._held = threading.local()
        self.commits = 0  # how many transactions carried the work (for tests and benchmarks)

    @contextmanager
    def held(self) -> Iterator[None]:
        """One transaction for every `run` this thread makes in the block, committed when it
        ends; an exception out of the block rolls all of it back. Other threads' `run` calls
        wait meanwhile and share the next commit. Not re-entrant."""
        if getattr(self._held, "now", None) is not None:
            raise RuntimeError("GroupCommit.held() is not re-entrant")
        with self._turn:
            while self._committing:
                self._turn.wait()
            self._committing = True
        try:
            with self._db.transaction() as conn:
                held = self._held.now = _Held(conn)
                try:
                    yield
                finally:
                    self._held.now = None
            self.commits += 1
        finally:
            with self._turn:
                self._committing = False
                self._turn.notify_all()
        for callback in held.after_commit:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """`callback()` once this thread's work is committed: now, unless inside `held()`."""
        held: _Held | None = getattr(self._held, "now", None)
        if held is None:
            callback()
        else:
            held.after_commit.append(callback)

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """`work(conn)` inside a committed transaction, maybe shared with other callers'.
        Inside `held()` it runs at once in that transaction, committed when the block ends."""
        mine: _Work[T] = _Work(work)
        held: _Held | None = getattr(self._held, "now", None)
        if held is not None:
            _run_in_savepoint(held.conn, mine)
            return _outcome(mine)
        with self._turn:
            self._queued.append(mine)
            while self._committing and not mine.done:
                self._turn.wait()
            if not mine.done:
                self._committing = True
                batch, self._queued = self._queued, []
        if not mine.done:
            self._lead(batch)
        return _outcome(mine)

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


def _outcome(work: _Work[T]) -> T:
    if work.error is not None:
        raise work.error
    value: T = work.value
    return value


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
