"""One SQLite database file shared by every SQLite adapter: connections and migrations.

WAL mode lets readers run beside one writer; `busy_timeout` makes writers queue instead
of failing. Each thread gets its own connection. Read-modify-write goes through
`transaction()`, which takes the write lock up front (BEGIN IMMEDIATE), so two threads
or two processes on one machine cannot interleave a read and the write that depends on it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.adapters.sqlite.schema import MIGRATIONS
from bot.domain.errors import BackendUnavailable

BUSY_TIMEOUT_MS = 15_000
_WRITER_WAIT_SECONDS = BUSY_TIMEOUT_MS / 1000  # the same bound as a writer in another process


class SqliteDatabase:
    """The database at `path` (parent directories created), migrated on construction."""

    def __init__(self, path: Path | str, *, migrations: Sequence[str] = MIGRATIONS) -> None:
        self.path = Path(path)
        self._local = threading.local()
        # Each connection with the thread that owns it: a thread that has ended can no longer
        # use it, and short-lived threads (pools per war room, per request) come and go.
        self._connections: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        # Writers of this process queue here instead of in SQLite's busy handler, which sleeps
        # with backoff and turned 8 concurrent webhook writes into a 480 ms p99 tail.
        # Other processes still meet at BEGIN IMMEDIATE and the busy timeout.
        self._writer = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._migrate(migrations)
        except (OSError, sqlite3.Error) as exc:
            raise BackendUnavailable(f"SQLite database {self.path} unusable: {exc}") from exc

    def connect(self) -> sqlite3.Connection:
        """This thread's connection, in autocommit mode (use `transaction()` to group writes)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    isolation_level=None,
                    # one connection per thread is our discipline; this only lets close() run
                    check_same_thread=False,
                )
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA journal_mode = WAL")
                # FULL: an alert we answered 2xx for must survive a power cut too
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
            except sqlite3.Error as exc:
                raise BackendUnavailable(f"cannot open SQLite database {self.path}: {exc}") from exc
            self._local.conn = conn
            self._keep(conn)
        return conn

    def _keep(self, conn: sqlite3.Connection) -> None:
        """Remember this thread's new connection; close those of threads that have ended.

        Without this every thread that ever touched the database left its connection (and two
        file descriptors) open until close(): a long-running process ran out of fds.
        """
        with self._lock:
            self._connections.append((threading.current_thread(), conn))
            ended = [c for thread, c in self._connections if not thread.is_alive()]
            self._connections = [(t, c) for t, c in self._connections if t.is_alive()]
        for finished in ended:
            finished.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any exception). Not re-entrant."""
        conn = self.connect()
        if conn.in_transaction:
            raise RuntimeError("SqliteDatabase.transaction() is not re-entrant")
        if not self._writer.acquire(timeout=_WRITER_WAIT_SECONDS):
            raise BackendUnavailable(f"SQLite database {self.path}: writers queued too long")
        try:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise BackendUnavailable(f"SQLite database {self.path} is locked: {exc}") from exc
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                # locked past busy_timeout, disk full, I/O error: the store is down, not the caller
                _rollback(conn)
                raise BackendUnavailable(f"SQLite database {self.path}: {exc}") from exc
            except BaseException:
                _rollback(conn)
                raise
        finally:
            self._writer.release()

    def ping(self) -> None:
        try:
            self.connect().execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"SQLite database {self.path} unusable: {exc}") from exc

    def close(self) -> None:
        """Close every connection this object opened (from any thread)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for _, conn in connections:
            conn.close()
        self._local = threading.local()

    def _migrate(self, migrations: Sequence[str]) -> None:
        with self.transaction() as conn:
            # read inside the write lock: a second process migrating at once waits, then skips
            (current,) = conn.execute("PRAGMA user_version").fetchone()
            for version, script in enumerate(migrations, start=1):
                if version <= current:
                    continue
                for statement in _statements(script):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version}")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT our transaction, so split and run one by one
    return [s.strip() for s in script.split(";") if s.strip()]
