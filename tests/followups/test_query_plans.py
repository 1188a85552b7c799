"""No scans: every follow-up query of the SQLite adapter is answered from an index (the
DynamoDB adapter's are Queries on key prefixes by construction: see its module docstring)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.domain.followups import FollowUpStatus

AT = datetime(2024, 5, 1, tzinfo=UTC)


def test_every_query_uses_an_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = SqliteDatabase(tmp_path / "marshal.db")
    store = SqliteFollowUpStore(database)
    clauses: list[tuple[str, tuple[object, ...]]] = []
    real = database.fetch_all

    def capture(sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        clauses.append((sql, tuple(params)))
        return real(sql, params)

    monkeypatch.setattr(database, "fetch_all", capture)
    store.get("fu-1")
    store.for_incident("inc-1")
    store_status = FollowUpStatus.OPEN
    store.with_status(store_status)
    store.open_due_before(AT)
    store.for_owner("U1", store_status)
    store.for_service("checkout", store_status)
    store.created_between(AT, AT)
    store.closed_between(AT, AT)
    assert len(clauses) == 8
    for sql, params in clauses:
        plan = " ".join(str(row[-1]) for row in real(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "USING INDEX" in plan or "USING PRIMARY KEY" in plan or "sqlite_autoindex" in plan, (
            sql,
            plan,
        )
        assert "SCAN followups" not in plan.replace("USING INDEX", ""), (sql, plan)
    database.close()
