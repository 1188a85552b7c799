"""One SQLite database file shared by every SQLite adapter: connections and migrations.

WAL mode lets readers run beside one writer; `busy_timeout` makes writers queue instead
of failing. Connections come from a small pool. Read-modify-write goes through
`transaction()`, which takes the write lock up front (BEGIN IMMEDIATE), so two threads
or two processes on one machine cannot interleave a read and the write that depends on it.
`fetch_one_at_once` is the one read that never waits, for a caller that must not block
(the web tier's event loop): its own read-only connection with no busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.adapters.sqlite.schema import MIGRATIONS
from bot.domain.errors import BackendUnavailable

BUSY_TIMEOUT_MS = 15_000
# SQLite work here is short and the GIL serialises the Python around it; more connections
# buy fds, not throughput (benchmarks/ingest.py measured the same with 4 as with one a thread).
DEFAULT_MAX_CONNECTIONS = 4
_WRITER_WAIT_SECONDS = BUSY_TIMEOUT_MS / 1000  # the same bound as a writer in another process


class ReadWouldWait(Exception):
    """`fetch_one_at_once` could not read without waiting; read again where waiting is fine."""


class SqliteDatabase:
    """The database at `path` (parent directories created), migrated on construction.

    Connections come from a small pool (`max_connections`), not one per thread: a process runs
    dozens of threads that touch the database now and then (request pools, Bolt's listeners,
    the scheduler's pool, a pool per war room), and SQLite's unix VFS keeps the descriptors of
    a closed connection open for reuse while other connections hold locks on the file. So the
    descriptors of one connection per thread stayed at the high-water mark of threads that
    ever ran at once, and crept up over hours. A pool caps them at two per connection.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        migrations: Sequence[str] = MIGRATIONS,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.path = Path(path)
        self._slots = threading.BoundedSemaphore(max_connections)
        self._idle: list[sqlite3.Connection] = []  # most recently used last: warm pages
        self._opened: list[sqlite3.Connection] = []  # for close()
        self._lock = threading.Lock()
        self._held = threading.local()  # the connection this thread has borrowed, if any
        # Writers of this process queue here instead of in SQLite's busy handler, which sleeps
        # with backoff and turned 8 concurrent webhook writes into a 480 ms p99 tail.
        # Other processes still meet at BEGIN IMMEDIATE and the busy timeout.
        self._writer = threading.Lock()
        self._at_once: sqlite3.Connection | None = None
        self._at_once_turn = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._migrate(migrations)
        except (OSError, sqlite3.Error) as exc:
            raise BackendUnavailable(f"SQLite database {self.path} unusable: {exc}") from exc

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads (autocommit), borrowed for the block; nested use shares it."""
        held: sqlite3.Connection | None = getattr(self._held, "conn", None)
        if held is not None:
            yield held
            return
        try:
            with self._borrowed() as conn:
                yield conn
        except sqlite3.OperationalError as exc:
            # A read that fails (locked past busy_timeout, I/O error, a damaged schema) is the
            # store being down, as for writes: callers answer 503 or say so, never a traceback.
            raise BackendUnavailable(f"SQLite database {self.path}: {exc}") from exc

    def fetch_one(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        with self.reading() as conn:
            row: tuple[Any, ...] | None = conn.execute(sql, params).fetchone()
            return row

    def fetch_all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        with self.reading() as conn:
            return list(conn.execute(sql, params).fetchall())

    def fetch_one_at_once(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        """One row, read now or not at all: ReadWouldWait when the file is locked against
        readers (a checkpoint resetting the WAL, another process's exclusive lock), another
        thread is using this reader, or the read fails. In WAL mode a reader does not queue
        behind writers, so this answers at once almost always."""
        if not self._at_once_turn.acquire(blocking=False):
            raise ReadWouldWait("the at-once reader is in use")
        try:
            conn = self._at_once or self._open_at_once()
            row: tuple[Any, ...] | None = conn.execute(sql, params).fetchone()
            return row
        except sqlite3.Error as exc:
            raise ReadWouldWait(str(exc)) from exc
        finally:
            self._at_once_turn.release()

    def _open_at_once(self) -> sqlite3.Connection:
        # timeout=0: SQLite answers SQLITE_BUSY instead of sleeping in its busy handler
        conn = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA query_only = ON")
        except sqlite3.Error:
            conn.close()
            raise
        self._at_once = conn
        return conn

    def write(self, sql: str, params: Sequence[object] = ()) -> int:
        """One statement in its own transaction; the number of rows it changed."""
        with self.transaction() as conn:
            return conn.execute(sql, params).rowcount

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any exception). Not re-entrant."""
        if getattr(self._held, "writing", False):
            raise RuntimeError("SqliteDatabase.transaction() is not re-entrant")
        if not self._writer.acquire(timeout=_WRITER_WAIT_SECONDS):
            raise BackendUnavailable(f"SQLite database {self.path}: writers queued too long")
        try:
            with self.reading() as conn:
                self._held.writing = True
                try:
                    yield from self._committed(conn)
                finally:
                    self._held.writing = False
        finally:
            self._writer.release()

    def _committed(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
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

    def ping(self) -> None:
        try:
            self.fetch_one("SELECT count(*) FROM sqlite_master")
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"SQLite database {self.path} unusable: {exc}") from exc

    def close(self) -> None:
        """Close every connection this object opened; later calls open new ones."""
        with self._lock:
            opened, self._opened, self._idle = self._opened, [], []
        for conn in opened:
            conn.close()
        with self._at_once_turn:
            if self._at_once is not None:
                self._at_once.close()
                self._at_once = None

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._opened)

    @contextmanager
    def _borrowed(self) -> Iterator[sqlite3.Connection]:
        if not self._slots.acquire(timeout=_WRITER_WAIT_SECONDS):
            raise BackendUnavailable(f"SQLite database {self.path}: every connection stayed busy")
        try:
            conn = self._take_idle() or self._open()
            self._held.conn = conn
            try:
                yield conn
            finally:
                self._held.conn = None
                self._give_back(conn)
        finally:
            self._slots.release()

    def _take_idle(self) -> sqlite3.Connection | None:
        with self._lock:
            return self._idle.pop() if self._idle else None

    def _give_back(self, conn: sqlite3.Connection) -> None:
        _rollback(conn)  # a reader that began a transaction by hand must not pin a snapshot
        with self._lock:
            if conn in self._opened:  # not closed by close() meanwhile
                self._idle.append(conn)

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                # a pooled connection serves one thread at a time, but not always the same one
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: an alert we answered 2xx for must survive a power cut too
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise BackendUnavailable(f"cannot open SQLite database {self.path}: {exc}") from exc
        with self._lock:
            self._opened.append(conn)
        return conn

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
