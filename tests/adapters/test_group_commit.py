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


def _seen_elsewhere(database: SqliteDatabase) -> set[str]:
    """The claims another connection sees: only what is committed."""
    other = sqlite3.connect(database.path)
    try:
        return {row[0] for row in other.execute("SELECT key FROM claims")}
    finally:
        other.close()


def test_held_runs_each_piece_at_once_and_commits_them_together(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "m.db")
    commits = GroupCommit(database)
    seen_after_commit: list[set[str]] = []

    with commits.held():
        assert [commits.run(_claim(k)) for k in ("a", "b", "c")] == ["a", "b", "c"]
        commits.after_commit(lambda: seen_after_commit.append(_seen_elsewhere(database)))
        assert _seen_elsewhere(database) == set()  # nothing durable inside the block
        assert seen_after_commit == []

    assert commits.commits == 1
    assert seen_after_commit == [{"a", "b", "c"}]  # called back once it was committed


def test_a_failing_piece_inside_held_rolls_back_alone(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "m.db")
    commits = GroupCommit(database)

    def half_done(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO claims (key, owner) VALUES ('half', 'test')")
        raise ValueError("bad input")

    with commits.held():
        commits.run(_claim("good"))
        with pytest.raises(ValueError, match="bad input"):
            commits.run(half_done)
        commits.run(_claim("after"))

    assert _keys(database) == {"good", "after"}


def test_an_error_out_of_held_undoes_all_of_it_and_calls_nothing_back(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "m.db")
    commits = GroupCommit(database)
    called: list[str] = []

    with pytest.raises(RuntimeError, match="gave up"), commits.held():
        commits.run(_claim("gone"))
        commits.after_commit(lambda: called.append("announced"))
        raise RuntimeError("gave up")

    assert _keys(database) == set()
    assert called == []
    assert commits.commits == 0
    commits.run(_claim("later"))  # the turn was given back
    assert _keys(database) == {"later"}


def test_other_threads_wait_for_a_held_commit_and_share_the_next(tmp_path: Path) -> None:
    database = SqliteDatabase(tmp_path / "m.db")
    commits = GroupCommit(database)

    with ThreadPoolExecutor(4) as pool:
        with commits.held():
            commits.run(_claim("held"))
            others = [pool.submit(commits.run, _claim(f"o{i}")) for i in range(3)]
            eventually(lambda: len(commits._queued) == 3)
            assert not any(f.done() for f in others)
        assert sorted(f.result(10) for f in others) == ["o0", "o1", "o2"]

    assert commits.commits == 2  # the held one, then the three queued behind it together
    assert _keys(database) == {"held", "o0", "o1", "o2"}


def test_after_commit_outside_held_calls_back_at_once(tmp_path: Path) -> None:
    commits = GroupCommit(SqliteDatabase(tmp_path / "m.db"))
    called: list[str] = []

    commits.after_commit(lambda: called.append("now"))

    assert called == ["now"]
