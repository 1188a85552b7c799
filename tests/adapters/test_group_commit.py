"""GroupCommit: writers that queue behind a commit share the next one; a failing piece of
work rolls back alone and raises in its own caller."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.group_commit import GroupCommit
from tests.eventually import eventually


def _claim(key: str) -> Callable[[sqlite3.Connection], str]:
    def work(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO claims (key, owner) VALUES (?, 'test')", (key,))
        return key

    return work


def _keys(database: SqliteDatabase) -> set[str]:
    return {row[0] for row in database.fetch_all("SELECT key FROM claims")}


def test_writers_queued_behind_a_commit_share_the_next_one(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "m.db")
    commits = GroupCommit(database)
    release = threading.Event()

    def slow_first(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO claims (key, owner) VALUES ('first', 'test')")
        release.wait(10)
        return "first"

    with ThreadPoolExecutor(16) as pool:
        first = pool.submit(commits.run, slow_first)
        eventually(lambda: commits._committing)  # the first writer holds the commit
        rest = [pool.submit(commits.run, _claim(f"k{i}")) for i in range(15)]
        eventually(lambda: len(commits._queued) == 15)
        release.set()
        assert first.result(10) == "first"
        assert sorted(f.result(10) for f in rest) == sorted(f"k{i}" for i in range(15))

    assert commits.commits == 2  # the first alone, the fifteen queued behind it together
    assert _keys(database) == {"first", *(f"k{i}" for i in range(15))}


def test_a_failing_piece_of_work_rolls_back_alone(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "m.db")
    commits = GroupCommit(database)
    release = threading.Event()

    def blocker(conn: sqlite3.Connection) -> None:
        release.wait(10)

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO claims (key, owner) VALUES ('half', 'test')")
        raise ValueError("bad input")

    with ThreadPoolExecutor(4) as pool:
        pool.submit(commits.run, blocker)
        eventually(lambda: commits._committing)
        good = pool.submit(commits.run, _claim("good"))
        bad = pool.submit(commits.run, half_done)
        eventually(lambda: len(commits._queued) == 2)
        release.set()
        assert good.result(10) == "good"
        with pytest.raises(ValueError, match="bad input"):
            bad.result(10)

    assert _keys(database) == {"good"}  # 'half' was rolled back with its savepoint
