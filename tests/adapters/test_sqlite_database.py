"""SqliteDatabase: file creation, WAL, migrations, transactions, and two processes on one file."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.schema import MIGRATIONS
from bot.domain.audit import AuditAction, verify_chain
from bot.domain.errors import BackendUnavailable


def test_creates_parent_directories_and_uses_wal(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "a" / "b" / "marshal.db")
    try:
        conn = database.connect()
        assert (tmp_path / "a" / "b" / "marshal.db").exists()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    finally:
        database.close()


def test_migrations_run_once_and_only_the_new_ones(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    SqliteDatabase(path).close()
    extra = (*MIGRATIONS, "CREATE TABLE later_feature (id INTEGER PRIMARY KEY)")

    again = SqliteDatabase(path, migrations=extra)
    try:
        conn = again.connect()
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(extra)
        conn.execute("INSERT INTO later_feature (id) VALUES (1)")
    finally:
        again.close()
    # reopening with the same list changes nothing (the INSERT above survives)
    third = SqliteDatabase(path, migrations=extra)
    try:
        assert third.connect().execute("SELECT count(*) FROM later_feature").fetchone()[0] == 1
    finally:
        third.close()


def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "t.db")
    try:
        with pytest.raises(sqlite3.IntegrityError), database.transaction() as conn:
            conn.execute("INSERT INTO claims (key, owner) VALUES ('k', 'a')")
            conn.execute("INSERT INTO claims (key, owner) VALUES ('k', 'b')")
        count = database.connect().execute("SELECT count(*) FROM claims").fetchone()[0]
        assert count == 0
    finally:
        database.close()


def test_unusable_path_is_backend_unavailable(tmp_path: Path) -> None:
    (tmp_path / "occupied").write_text("a file, not a directory")
    with pytest.raises(BackendUnavailable, match="occupied"):
        SqliteDatabase(tmp_path / "occupied" / "marshal.db")


def _append_from_process(path: str, worker: int, count: int) -> None:
    database = SqliteDatabase(path)
    try:
        audit = SqliteAuditLog(database)
        for i in range(count):
            audit.append(
                "inc-shared",
                actor=f"proc-{worker}",
                action=AuditAction.COMMAND_RUN,
                details={"i": i},
            )
    finally:
        database.close()


def test_two_processes_append_to_one_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.db")
    SqliteDatabase(path).close()
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_from_process, args=(path, n, 25)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert [w.exitcode for w in workers] == [0, 0]
    database = SqliteDatabase(path)
    try:
        events = SqliteAuditLog(database).events("inc-shared")
    finally:
        database.close()
    assert len(events) == 50
    assert {e.actor for e in events} == {"proc-0", "proc-1"}
    assert verify_chain("inc-shared", events) is None


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts fds through /proc")
def test_connections_of_ended_threads_are_closed_not_kept(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "m.db")
    database.ping()
    before = _open_fds()
    for _ in range(30):  # like the pools a war room or a request spins up and lets go
        worker = threading.Thread(target=database.ping)
        worker.start()
        worker.join()
    last = threading.Thread(target=database.ping)
    last.start()
    last.join()
    # at most the last thread's connection (its db, wal and shm files); kept, it was ~60
    assert _open_fds() - before <= 3
    database.close()
