"""Local durable queue on SQLite: the embedded deployment's `Queue` (see bot/ports/queue.py).

It lives in the store's database file (settings `marshal_db_path`) in its own tables:
`queue_messages` holds pending messages and, for the dedup window, acked ones;
`queue_dead_letters` holds the dead. Every state change runs in a `BEGIN IMMEDIATE`
transaction, so threads and processes can share one file.

Per-incident FIFO: only the oldest unacked message of an incident (its head) can be
delivered. While the head is in flight, or waits out a `retry_later` delay, the rest of
that incident waits; other incidents are not blocked. This mirrors an SQS FIFO message group.

A receipt names the process holding the message (`host:pid:random`). A process that died
holding messages (SIGKILL, OOM, power cut of a container) would otherwise block them, and
every later message of their incidents, for the whole visibility timeout; receivers give such
messages back at once. WAL needs shared memory, so every process on the file runs on this
host and a pid check is meaningful; a reused pid only means waiting out the timeout as before.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.sqlite.database import SqliteDatabase
from bot.ports.queue import DeadLetter, Delivery, QueueMessage

# A head is the oldest unacked message of its incident; only heads that are due are delivered.
_DUE_HEADS = """
    SELECT m.seq, m.body, m.receive_count FROM queue_messages AS m
    WHERE m.acked_at IS NULL AND m.visible_at <= ?
      AND m.seq = (SELECT MIN(h.seq) FROM queue_messages AS h
                   WHERE h.incident_id = m.incident_id AND h.acked_at IS NULL)
    ORDER BY m.seq LIMIT ?
"""

# Messages held by this host's processes; the dead holders among them are found by pid.
_HELD = """
    SELECT seq, receipt FROM queue_messages
    WHERE acked_at IS NULL AND receipt IS NOT NULL AND visible_at > ?
"""
# How often a receiver looks for messages held by dead processes.
ORPHAN_CHECK_SECONDS = 1.0

# Like SQS FIFO's five-minute deduplication interval, but longer: acked ids are cheap to keep.
DEFAULT_DEDUP_SECONDS = 24 * 3600
_EXPIRY_INTERVAL_SECONDS = 60.0


class LocalQueue:
    """The `Queue` port on SQLite. Safe across threads and processes sharing the file."""

    def __init__(
        self,
        database: SqliteDatabase | Path,
        *,
        max_receives: int = 5,
        poll_interval: float = 0.1,
        dedup_seconds: float = DEFAULT_DEDUP_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_receives < 1:
            raise ValueError("max_receives must be at least 1")
        self._db = database if isinstance(database, SqliteDatabase) else SqliteDatabase(database)
        self._max_receives = max_receives
        self._poll_interval = poll_interval
        self._dedup_seconds = dedup_seconds
        self._clock = clock
        # Same-process senders wake waiting receivers at once; other processes are polled.
        self._arrivals = threading.Condition()
        self._sent_generation = 0
        self._holder = f"{socket.gethostname()}:{os.getpid()}"
        self._next_orphan_check = 0.0
        self._next_expiry = 0.0

    @property
    def path(self) -> Path:
        return self._db.path

    def close(self) -> None:
        self._db.close()

    def ping(self) -> None:
        with self._db.transaction() as db:
            db.execute("SELECT 1 FROM queue_messages LIMIT 1").fetchall()

    def send(self, message: QueueMessage) -> None:
        with self._db.transaction() as db:
            self.send_on(db, message)
        self.announce()

    def send_on(
        self, db: sqlite3.Connection, message: QueueMessage, *, new_event_id: bool = False
    ) -> None:
        """`send` inside the caller's transaction on this queue's database (the alert
        ledger's single commit); call `announce` once it committed. `new_event_id`: the
        event was minted in this transaction, so no message of its id can be stored (a
        collision would still fail the insert on its unique index): no dedup lookups."""
        now = self._clock()
        expired = now - self._dedup_seconds
        if now >= self._next_expiry:
            # acked rows past the dedup window go once a minute, not by a range delete on
            # every send
            self._next_expiry = now + _EXPIRY_INTERVAL_SECONDS
            db.execute(
                "DELETE FROM queue_messages WHERE acked_at IS NOT NULL AND acked_at < ?",
                (expired,),
            )
        if not new_event_id and self._known(db, message.event_id, expired):
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

    @staticmethod
    def _known(db: sqlite3.Connection, event_id: str, expired: float) -> bool:
        """Whether a message of this id is queued, dead or acked within the dedup window
        (its acked row past the window goes now: a unique-index lookup)."""
        db.execute(
            "DELETE FROM queue_messages WHERE event_id = ? AND acked_at < ?", (event_id, expired)
        )
        known = db.execute(
            "SELECT 1 FROM queue_messages WHERE event_id = ?"
            " UNION ALL SELECT 1 FROM queue_dead_letters WHERE event_id = ?",
            (event_id, event_id),
        ).fetchone()
        return known is not None

    def announce(self) -> None:
        """Wake this process's waiting receivers: a message was committed."""
        with self._arrivals:
            self._sent_generation += 1
            self._arrivals.notify_all()

    @property
    def database(self) -> SqliteDatabase:
        return self._db

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
            self._release_orphans(db)
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
                    receipt = f"{self._holder}:{uuid.uuid4().hex}"
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

    def _release_orphans(self, db: sqlite3.Connection) -> None:
        """Make messages held by dead processes on this host visible again, at most once a
        second (the scan reads every in-flight message)."""
        if time.monotonic() < self._next_orphan_check:
            return
        self._next_orphan_check = time.monotonic() + ORPHAN_CHECK_SECONDS
        now = self._clock()
        for seq, receipt in db.execute(_HELD, (now,)).fetchall():
            if _held_by_dead_process(receipt, self._holder):
                db.execute(
                    "UPDATE queue_messages SET visible_at = ?, receipt = NULL WHERE seq = ?",
                    (now, seq),
                )

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


def _held_by_dead_process(receipt: str, holder: str) -> bool:
    host, _, pid_text = receipt.rsplit(":", 1)[0].rpartition(":")
    if host != holder.rpartition(":")[0] or not pid_text.isdigit():
        return False  # another host's receipt, or one from before receipts named their holder
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    return False
