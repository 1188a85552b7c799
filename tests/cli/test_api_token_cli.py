"""`marshal api-token create|list|revoke` against a SQLite file: printed once, hashed, audited."""

from __future__ import annotations

import json

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.cli import main


def test_create_prints_once_list_never_and_revoke_holds(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["api-token", "create", "ci-bot", "--scope", "write"]) == 0
    token = capsys.readouterr().out.splitlines()[1]
    assert token.startswith("marshal_tok-")
    stored = database.fetch_all("SELECT data FROM api_tokens")
    assert len(stored) == 1 and token not in stored[0][0]
    assert main(["api-token", "create", "ci-bot"]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["api-token", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(t["name"], t["scope"], t["revoked_at"]) for t in listed] == [("ci-bot", "write", None)]
    assert "token_sha256" not in listed[0]
    assert main(["api-token", "revoke", "ci-bot"]) == 0
    assert "revoked 'ci-bot'" in capsys.readouterr().out
    assert main(["api-token", "revoke", "ci-bot"]) == 1
    assert main(["api-token", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    actions = [r[0] for r in database.fetch_all("SELECT data FROM audit_events")]
    assert sum('"API_TOKEN_CREATED"' in a for a in actions) == 1
    assert sum('"API_TOKEN_REVOKED"' in a for a in actions) == 1
    assert all(token not in a for a in actions)


def test_a_bad_name_is_refused(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["api-token", "create", "bad name!"]) == 2
    assert "token name" in capsys.readouterr().err
