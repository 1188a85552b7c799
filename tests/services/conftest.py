"""Service fixtures over both store backends: `backend` runs a test once on SQLite and once on
DynamoDB (moto's server over HTTP), with the contract suite's store and audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.dynamodb.tables import create_tables
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.local_queue import LocalQueue
from tests.contract.conftest import (
    BACKENDS,
    Backend,
    dynamodb_backend,
    dynamodb_client,
    sqlite_backend,
)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        made = sqlite_backend(tmp_path / "marshal.db")
    else:
        request.getfixturevalue("aws")
        client = dynamodb_client()
        create_tables(client, "svc-")
        made = dynamodb_backend(client, "svc-")
    yield made
    for close in made.closers:
        close()


@pytest.fixture
def local_queue(tmp_path: Path) -> Iterator[LocalQueue]:
    """The embedded durable queue, in its own file whichever store backend is under test."""
    database = SqliteDatabase(tmp_path / "queue.db")
    yield LocalQueue(database)
    database.close()
