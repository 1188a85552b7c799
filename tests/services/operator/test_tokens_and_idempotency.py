"""TokenAuthority and IdempotentWrites over real SQLite stores: revoke by id or name, and a
write that raised or answered 5xx leaves its key free for the retry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.sqlite.api_tokens import SqliteApiTokens, SqliteIdempotencyRecords
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.api_tokens import TokenScope
from bot.domain.audit_keys import AuditKeyring
from bot.services.operator.idempotency import IdempotentWrites, KeyReused
from bot.services.operator.tokens import TokenAuthority, TokenRefused


@pytest.fixture
def database(tmp_path: Path) -> Iterator[SqliteDatabase]:
    made = SqliteDatabase(tmp_path / "marshal.db")
    yield made
    made.close()


def test_revoke_by_id_leaves_the_others(database: SqliteDatabase) -> None:
    audit = SqliteAuditLog(database, keys=AuditKeyring.from_text("tokens-test-key-0123456789"))
    authority = TokenAuthority(SqliteApiTokens(database), audit)
    first = authority.create("bot", TokenScope.READ, by="cli:me")
    authority.revoke("bot", by="cli:me")
    second = authority.create("bot", TokenScope.WRITE, by="cli:me")  # the name is free again
    assert [t.id for t in authority.revoke(first.record.id, by="cli:me")] == [first.record.id]
    assert authority.authenticate(second.text).scope is TokenScope.WRITE
    with pytest.raises(TokenRefused, match="revoked"):
        authority.authenticate(first.text)
    with pytest.raises(TokenRefused, match="missing"):
        authority.authenticate(None)
    assert authority.revoke("nobody", by="cli:me") == []


def test_a_failed_write_frees_its_key(database: SqliteDatabase) -> None:
    writes = IdempotentWrites(SqliteIdempotencyRecords(database))

    def crash() -> tuple[int, str]:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        writes.run("tok-1", "k", "f1", crash)
    assert writes.run("tok-1", "k", "f1", lambda: (503, "{}")).status_code == 503
    done = writes.run("tok-1", "k", "f1", lambda: (200, '{"ok": 1}'))
    assert (done.status_code, done.replayed) == (200, False)
    again = writes.run("tok-1", "k", "f1", lambda: (500, "never runs"))
    assert (again.status_code, again.body, again.replayed) == (200, '{"ok": 1}', True)
    with pytest.raises(KeyReused) as reused:
        writes.run("tok-1", "k", "f2", lambda: (200, "{}"))
    assert not reused.value.in_progress
