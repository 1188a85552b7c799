"""Service fixtures over both store backends: `backend` runs a test once on SQLite and once on
DynamoDB (moto's server over HTTP), with the contract suite's store and audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.local_queue import LocalQueue
from tests.contract.conftest import (
    BACKENDS,
    Backend,
    open_backend,
)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    yield from open_backend(request, tmp_path / "marshal.db", "svc-")


@pytest.fixture
def local_queue(tmp_path: Path) -> Iterator[LocalQueue]:
    """The embedded durable queue, in its own file whichever store backend is under test."""
    database = SqliteDatabase(tmp_path / "queue.db")
    yield LocalQueue(database)
    database.close()
