"""The command line's tests drive `main([...])` against a SQLite file that MARSHAL_DB_PATH names."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.sqlite.database import SqliteDatabase


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqliteDatabase]:
    """The store `marshal` will open, opened here too to seed and tamper with."""
    path = tmp_path / "cli" / "marshal.db"
    monkeypatch.setenv("MARSHAL_DB_PATH", str(path))
    database = SqliteDatabase(path)
    yield database
    database.close()
