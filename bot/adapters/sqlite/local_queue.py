"""Local durable queue on SQLite: the embedded deployment's `Queue` (see bot/ports/queue.py).

It lives in the store's database file (settings `marshal_db_path`) in its own tables:
`queue_messages` holds pending messages and, for the dedup window, acked ones;
`queue_dead_letters` holds the dead. Every state change runs in a `BEGIN IMMEDIATE`
transaction, so threads and processes can share one file.

Per-incident FIFO: only the oldest unacked message of an incident (its head) can be
delivered. While the head is in flight, or waits out a `retry_later` delay, the rest of
that incident waits; other incidents are not blocked. This mirrors an SQS FIFO message group.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.errors import BackendUnavailable
from bot.ports.queue import DeadLetter, Delivery, QueueMessage

_SCHEMA: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS queue_messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        incident_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        body TEXT NOT NULL,
        sent_at REAL NOT NULL,
        visible_at REAL NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        receipt TEXT UNIQUE,
        acked_at REAL
    )""",
    """CREATE INDEX IF NOT EXISTS queue_messages_pending
        ON queue_messages (incident_id, seq) WHERE acked_at IS NULL""",
    """CREATE INDEX IF NOT EXISTS queue_messages_acked
        ON queue_messages (acked_at) WHERE acked_at IS NOT NULL""",
    """CREATE TABLE IF NOT EXISTS queue_dead_letters (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id TEXT NOT NULL UNIQUE,
        incident_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        body TEXT NOT NULL,
        receive_count INTEGER NOT NULL,
        reason TEXT NOT NULL,
        dead_at REAL NOT NULL
    )""",
)

# A head is the oldest unacked message of its incident; only heads that are due are delivered.
_DUE_HEADS = """
    SELECT m.seq, m.body, m.receive_count FROM queue_messages AS m
    WHERE m.acked_at IS NULL AND m.visible_at <= ?
      AND m.seq = (SELECT MIN(h.seq) FROM queue_messages AS h
                   WHERE h.incident_id = m.incident_id AND h.acked_at IS NULL)
    ORDER BY m.seq LIMIT ?
"""

# Like SQS FIFO's five-minute deduplication interval, but longer: acked ids are cheap to keep.
DEFAULT_DEDUP_SECONDS = 24 * 3600


class SqliteConnections:
    """One connection per thread to one SQLite file: WAL, a busy timeout, IMMEDIATE transactions.

    sqlite3 errors that mean "the database cannot be used now" (locked past the busy timeout,
    missing directory, not a database) become `BackendUnavailable`; programming errors do not.
    """

    def __init__(
        self, path: Path, schema: Sequence[str] = (), *, busy_timeout_ms: int = 5000
    ) -> None:
        self.path = path
        self._schema = tuple(schema)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """`BEGIN IMMEDIATE` takes the write lock up front, so read-then-update cannot race."""
        with self._translated_errors():
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.commit()
            except BaseException:
                # Also after a failed COMMIT: the next BEGIN on this thread must start clean.
                if connection.in_transaction:
                    connection.rollback()
                raise

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._open()
            self._local.connection = connection
        return connection

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout_ms / 1000,
            isolation_level=None,  # we issue BEGIN/COMMIT ourselves
            check_same_thread=False,  # each thread uses its own; close() may run on another
        )
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            connection.execute("PRAGMA journal_mode = WAL")
            # FULL: an accepted message must survive a power cut, not only a process crash.
            connection.execute("PRAGMA synchronous = FULL")
            for statement in self._schema:
                connection.execute(statement)
        except BaseException:
            connection.close()
            raise
        with self._lock:
            self._opened.append(connection)
        return connection

    @contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.InterfaceError):
            raise
        except sqlite3.DatabaseError as exc:
            raise BackendUnavailable(f"local queue database {self.path}: {exc}") from exc


class LocalQueue:
    """The `Queue` port on SQLite. Safe across threads and processes sharing the file."""

    def __init__(
        self,
        path: Path,
        *,
        max_receives: int = 5,
        poll_interval: float = 0.1,
        dedup_seconds: float = DEFAULT_DEDUP_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_receives < 1:
            raise ValueError("max_receives must be at least 1")
        self._db = SqliteConnections(Path(path), _SCHEMA)
        self._max_receives = max_receives
        self._poll_interval = poll_interval
        self._dedup_seconds = dedup_seconds
        self._clock = clock
        # Same-process senders wake waiting receivers at once; other processes are polled.
        self._arrivals = threading.Condition()
        self._sent_generation = 0

    @property
    def path(self) -> Path:
        return self._db.path

    def close(self) -> None:
        self._db.close()

    def ping(self) -> None:
        with self._db.transaction() as db:
            db.execute("SELECT 1 FROM queue_messages LIMIT 1").fetchall()

    def send(self, message: QueueMessage) -> None:
        now = self._clock()
        with self._db.transaction() as db:
            db.execute(
                "DELETE FROM queue_messages WHERE acked_at IS NOT NULL AND acked_at < ?",
                (now - self._dedup_seconds,),
            )
            known = db.execute(
                "SELECT 1 FROM queue_messages WHERE event_id = ?"
                " UNION ALL SELECT 1 FROM queue_dead_letters WHERE event_id = ?",
                (message.event_id, message.event_id),
            ).fetchone()
            if known is not None:
                return
            db.execute(
                "INSERT INTO queue_messages"
                " (event_id, incident_id, event_type, body, sent_at, visible_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    message.event_id,
                    message.incident_id,
                    message.event_type,
                    message.model_dump_json(),
                    now,
                    now,
                ),
            )
        with self._arrivals:
            self._sent_generation += 1
            self._arrivals.notify_all()

    def receive(
        self, *, max_messages: int = 10, wait_seconds: float = 1.0, visibility_seconds: int = 60
    ) -> list[Delivery]:
        deadline = time.monotonic() + max(0.0, wait_seconds)
        while True:
            with self._arrivals:
                generation = self._sent_generation
            deliveries = self._receive_due(max(1, max_messages), visibility_seconds)
            remaining = deadline - time.monotonic()
            if deliveries or remaining <= 0:
                return deliveries
            self._wait_for_send(generation, min(self._poll_interval, remaining))

    def _wait_for_send(self, generation: int, timeout: float) -> None:
        """Until a same-process send or the timeout; other processes' sends are found by polling."""
        with self._arrivals:
            self._arrivals.wait_for(lambda: self._sent_generation != generation, timeout=timeout)

    def ack(self, delivery: Delivery) -> None:
        """A stale receipt (the message was given back or redelivered since) changes nothing."""
        with self._db.transaction() as db:
            db.execute(
                "UPDATE queue_messages SET acked_at = ?, receipt = NULL"
                " WHERE receipt = ? AND acked_at IS NULL",
                (self._clock(), delivery.receipt),
            )

    def retry_later(self, delivery: Delivery, *, delay_seconds: int = 0) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE queue_messages SET visible_at = ?, receipt = NULL"
                " WHERE receipt = ? AND acked_at IS NULL",
                (self._clock() + max(0, delay_seconds), delivery.receipt),
            )

    def extend(self, delivery: Delivery, *, visibility_seconds: int) -> None:
        with self._db.transaction() as db:
            db.execute(
                "UPDATE queue_messages SET visible_at = ? WHERE receipt = ? AND acked_at IS NULL",
                (self._clock() + max(0, visibility_seconds), delivery.receipt),
            )

    def dead_letter(self, delivery: Delivery, *, reason: str) -> None:
        with self._db.transaction() as db:
            row = db.execute(
                "SELECT seq, body, receive_count FROM queue_messages"
                " WHERE receipt = ? AND acked_at IS NULL",
                (delivery.receipt,),
            ).fetchone()
            if row is not None:
                self._move_to_dead_letters(db, row, reason)

    def dead_letters(self, *, limit: int = 100) -> list[DeadLetter]:
        with self._db.transaction() as db:
            rows = db.execute(
                "SELECT body, receive_count, reason, dead_at FROM queue_dead_letters"
                " ORDER BY dead_at DESC, seq DESC LIMIT ?",
                (max(0, limit),),
            ).fetchall()
        return [
            DeadLetter(
                message=QueueMessage.model_validate_json(body),
                receive_count=receive_count,
                reason=reason,
                dead_at=datetime.fromtimestamp(dead_at, UTC),
            )
            for body, receive_count, reason, dead_at in rows
        ]

    def _receive_due(self, max_messages: int, visibility_seconds: int) -> list[Delivery]:
        deliveries: list[Delivery] = []
        taken: set[int] = set()
        with self._db.transaction() as db:
            # Moving a worn-out head to the dead letters uncovers the next message of its
            # incident, so look again until the batch is full or nothing more moved.
            moved = True
            while moved and len(deliveries) < max_messages:
                moved = False
                now = self._clock()
                rows = db.execute(_DUE_HEADS, (now, max_messages + len(taken))).fetchall()
                for seq, body, receive_count in rows:
                    if seq in taken or len(deliveries) >= max_messages:
                        continue
                    if receive_count >= self._max_receives:
                        reason = (
                            f"received {receive_count} times without an ack"
                            f" (limit {self._max_receives})"
                        )
                        self._move_to_dead_letters(db, (seq, body, receive_count), reason)
                        moved = True
                        continue
                    receipt = uuid.uuid4().hex
                    db.execute(
                        "UPDATE queue_messages SET receipt = ?, visible_at = ?,"
                        " receive_count = receive_count + 1 WHERE seq = ?",
                        (receipt, now + max(0, visibility_seconds), seq),
                    )
                    taken.add(seq)
                    deliveries.append(
                        Delivery(
                            message=QueueMessage.model_validate_json(body),
                            receipt=receipt,
                            receive_count=receive_count + 1,
                        )
                    )
        return deliveries

    def _move_to_dead_letters(
        self, db: sqlite3.Connection, row: tuple[int, str, int], reason: str
    ) -> None:
        seq, body, receive_count = row
        message = QueueMessage.model_validate_json(body)
        db.execute(
            "INSERT INTO queue_dead_letters"
            " (event_id, incident_id, event_type, body, receive_count, reason, dead_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
            (
                message.event_id,
                message.incident_id,
                message.event_type,
                body,
                receive_count,
                reason,
                self._clock(),
            ),
        )
        db.execute("DELETE FROM queue_messages WHERE seq = ?", (seq,))
