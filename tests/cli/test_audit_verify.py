"""`marshal audit verify` end to end, in-process: incidents come from the incident records, every
problem is one line naming its incident, and the keys come from the settings."""

from __future__ import annotations

import boto3
import pytest

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.cli import main
from bot.domain.audit import AuditAction
from bot.domain.audit_keys import AuditKeyring
from bot.settings import Settings
from bot.wiring.stores import build_audit_log, build_store
from tests.conftest import AwsEndpoint, dynamodb_settings
from tests.contract.conftest import SqliteTamper, ingest, make_alert

ACTIONS = (AuditAction.INCIDENT_CREATED, AuditAction.ACKNOWLEDGED, AuditAction.RESOLVED)


def _seed(database: SqliteDatabase, audit: SqliteAuditLog | None = None) -> list[str]:
    """Three incidents of three events each, and one workspace command."""
    store, audit = SqliteIncidentStore(database), audit or SqliteAuditLog(database)
    ids = []
    for group in ("grp-a", "grp-b", "grp-c"):
        incident = ingest(store, make_alert(group)).incident
        for action in ACTIONS:
            audit.append(incident.id, actor="U1", action=action)
        ids.append(incident.id)
    audit.append("workspace", actor="U1", action=AuditAction.COMMAND_RUN)
    return ids


def test_a_clean_store_passes_and_the_workspace_chain_is_no_incident(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(database)

    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == (
        "ok: 3 incidents, 9 events; other chains: workspace (1 events)"
    )


def test_each_problem_is_one_line_naming_its_incident(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated, corrupt, clean = _seed(database)
    tamper = SqliteTamper(database)
    tamper.remove(truncated, 3)
    tamper.set_data(corrupt, 2, "{oops")

    assert main(["audit", "verify"]) == 1

    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "FAILED: 2 of 3 incidents have a broken audit trail"
    problems = sorted(lines[:-1], key=lambda line: truncated not in line)
    assert len(problems) == 2
    assert problems[0].startswith(f"violation: incident {truncated}: event ")
    assert problems[0].endswith(
        "(#2): the chain ends at #2 but its anchored head is #3 (truncated)"
    )
    assert problems[1].startswith(
        f"violation: incident {corrupt}: stored event #2 is not a valid audit event (Invalid JSON"
    )
    assert clean not in "\n".join(lines)


def test_a_deleted_chain_is_found_from_the_incident_record(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = _seed(database)[1]
    database.write("DELETE FROM audit_events WHERE incident_id = ?", (victim,))

    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"violation: incident {victim}: " in out and "(deleted)" in out
    assert main(["audit", "verify", victim]) == 1
    assert "FAILED: 1 of 1 incidents" in capsys.readouterr().out


def test_a_chain_whose_incident_record_was_deleted_is_reported(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = _seed(database)[0]
    database.write("DELETE FROM incidents WHERE id = ?", (victim,))

    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"violation: chain {victim}: audit events with no incident record" in out


def test_verify_needs_the_key_that_sealed_the_events_and_keeps_old_keys_after_rotation(
    database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old_key, new_key = "the-old-audit-key-0123456789", "the-new-audit-key-0123456789"
    _seed(database, SqliteAuditLog(database, keys=AuditKeyring.from_text(old_key)))

    monkeypatch.setenv("MARSHAL_AUDIT_KEY", new_key)
    assert main(["audit", "verify"]) == 1
    assert "sealed with an unknown audit key" in capsys.readouterr().out

    monkeypatch.setenv("MARSHAL_AUDIT_KEYS_PREVIOUS", old_key)
    assert main(["audit", "verify"]) == 0
    # new events are sealed with the new key and chain on from the old ones
    incident = SqliteIncidentStore(database).list_incidents(open_only=False).items[0]
    build_audit_log(Settings()).append(incident.id, actor="U2", action=AuditAction.REOPENED)
    assert main(["audit", "verify"]) == 0
    assert old_key not in capsys.readouterr().out


def test_a_deleted_chain_is_found_on_dynamodb(
    aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = dynamodb_settings(monkeypatch, "verify-")
    store, audit = build_store(settings), build_audit_log(settings)
    ids = []
    for group in ("grp-a", "grp-b"):
        incident = ingest(store, make_alert(group)).incident
        for action in ACTIONS:
            audit.append(incident.id, actor="U1", action=action)
        ids.append(incident.id)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "ok: 2 incidents, 6 events"

    client = boto3.client("dynamodb", region_name="us-east-1")
    for seq in (1, 2, 3):
        client.delete_item(
            TableName="verify-audit",
            Key={"incident_id": {"S": ids[0]}, "seq": {"N": str(seq)}},
        )

    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"violation: incident {ids[0]}: position #3: no events stored, but the chain's "
        "anchored head is #3 (deleted)",
        "FAILED: 1 of 2 incidents have a broken audit trail",
    ]
