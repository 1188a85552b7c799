"""ApiTokens and IdempotencyRecords contract: one suite over SQLite and DynamoDB (moto)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.dynamodb.api_tokens import DynamoApiTokens, DynamoIdempotencyRecords
from bot.adapters.dynamodb.single_table import SingleTable
from bot.adapters.dynamodb.tables import create_tables
from bot.adapters.sqlite.api_tokens import SqliteApiTokens, SqliteIdempotencyRecords
from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.api_tokens import (
    IdempotencyRecord,
    IdempotencyState,
    TokenScope,
    mint_token,
    token_id_of,
)
from bot.ports.api_tokens import ApiTokens, IdempotencyRecords
from tests.contract.conftest import BACKENDS, T0, dynamodb_client


@dataclass
class Stores:
    tokens: ApiTokens
    records: IdempotencyRecords


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "marshal.db")
        yield Stores(SqliteApiTokens(database), SqliteIdempotencyRecords(database))
        database.close()
    else:
        request.getfixturevalue("aws")
        client = dynamodb_client()
        create_tables(client, "test-")
        table = SingleTable.for_prefix(client, "test-")
        yield Stores(DynamoApiTokens(table), DynamoIdempotencyRecords(table))


def test_tokens_store_only_their_hash_and_list_oldest_first(stores: Stores) -> None:
    first, first_text = mint_token("ci-bot", TokenScope.READ, at=T0)
    second, second_text = mint_token("agent", TokenScope.WRITE, at=T0 + timedelta(seconds=1))
    stores.tokens.add(first)
    stores.tokens.add(second)
    stored = stores.tokens.get(first.id)
    assert stored == first
    assert first_text not in stored.model_dump_json()
    assert stored.matches(first_text) and not stored.matches(second_text)
    assert token_id_of(second_text) == second.id
    assert [t.name for t in stores.tokens.list_tokens()] == ["ci-bot", "agent"]
    assert stores.tokens.get("tok-unknown") is None


def test_revoke_holds_at_once_and_keeps_the_first_time(stores: Stores) -> None:
    token, _ = mint_token("ci-bot", TokenScope.WRITE, at=T0)
    stores.tokens.add(token)
    revoked = stores.tokens.revoke(token.id, T0 + timedelta(minutes=1))
    assert revoked is not None and revoked.revoked_at == T0 + timedelta(minutes=1)
    again = stores.tokens.revoke(token.id, T0 + timedelta(minutes=5))
    assert again is not None and again.revoked_at == T0 + timedelta(minutes=1)
    stored = stores.tokens.get(token.id)
    assert stored is not None and not stored.active
    assert stores.tokens.revoke("tok-unknown", T0) is None


def record(key: str = "tok-1:k1", *, body_hash: str = "h1", minutes: int = 0) -> IdempotencyRecord:
    at = T0 + timedelta(minutes=minutes)
    return IdempotencyRecord(
        key=key, request_sha256=body_hash, created_at=at, expires_at=at + timedelta(hours=24)
    )


def test_idempotency_begin_complete_and_replay(stores: Stores) -> None:
    assert stores.records.begin(record()) is None
    held = stores.records.begin(record(body_hash="h2"))
    assert held is not None and held.state is IdempotencyState.IN_PROGRESS
    assert held.request_sha256 == "h1"
    stores.records.complete("tok-1:k1", 201, '{"id": "x"}')
    stores.records.release("tok-1:k1")  # a completed record is kept
    done = stores.records.begin(record())
    assert done is not None and done.state is IdempotencyState.COMPLETED
    assert (done.status_code, done.body) == (201, '{"id": "x"}')
    assert stores.records.begin(record("tok-2:k1")) is None  # keys are per token


def test_release_lets_a_retry_begin_and_expiry_frees_the_key(stores: Stores) -> None:
    assert stores.records.begin(record()) is None
    stores.records.release("tok-1:k1")
    assert stores.records.begin(record()) is None
    assert stores.records.begin(record(minutes=24 * 60 + 1)) is None  # the old one expired


def test_concurrent_begins_with_one_key_let_exactly_one_in(stores: Stores) -> None:
    winners: list[bool] = []
    barrier = threading.Barrier(6)

    def attempt() -> None:
        barrier.wait()
        winners.append(stores.records.begin(record()) is None)

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(winners) == [False] * 5 + [True]


def test_a_large_first_answer_is_kept_whole(stores: Stores) -> None:
    """An audit package answer can pass DynamoDB's 400 KB item size; it is kept compressed."""
    body = json.dumps({"events": [{"seq": n, "actor": f"U{n:08d}"} for n in range(20_000)]})
    assert len(body) > 600_000
    assert stores.records.begin(record()) is None
    stores.records.complete("tok-1:k1", 200, body)
    done = stores.records.begin(record())
    assert done is not None and done.body == body
