"""build_store / build_audit_log pick the backend MARSHAL_STORE names."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.dynamodb.audit_log import DynamoAuditLog
from bot.adapters.dynamodb.incident_store import DynamoIncidentStore
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.cli import main
from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.settings import Settings
from bot.wiring.stores import build_audit_log, build_store
from tests.conftest import AwsEndpoint, dynamodb_settings
from tests.contract.conftest import make_alert


def test_sqlite_is_the_default_and_store_and_audit_share_one_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MARSHAL_DB_PATH", str(tmp_path / "deep" / "m.db"))
    settings = Settings()

    store, audit = build_store(settings), build_audit_log(settings)

    assert isinstance(store, SqliteIncidentStore) and isinstance(audit, SqliteAuditLog)
    assert store.database is audit.database
    store.ping()
    assert (tmp_path / "deep" / "m.db").exists()


def test_dynamodb_store_uses_prefixed_tables(
    aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = dynamodb_settings(monkeypatch, "wired-")

    store, audit = build_store(settings), build_audit_log(settings)

    assert isinstance(store, DynamoIncidentStore) and store.table == "wired-incidents"
    assert isinstance(audit, DynamoAuditLog) and audit.table == "wired-audit"
    store.ping()
    incident, _ = store.create_if_absent(Incident.from_alert(make_alert()))
    audit.append(incident.id, actor="U1", action=AuditAction.INCIDENT_CREATED)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "ok: 1 incidents, 1 events"
