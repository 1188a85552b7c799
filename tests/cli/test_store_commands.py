"""`marshal audit verify` and `marshal incident list|show`, run in-process on a temp SQLite file."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.cli import main
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident, TimelineEntry
from tests.contract.conftest import T0, SqliteTamper, ingest, make_alert


def _seed(database: SqliteDatabase) -> tuple[Incident, Incident]:
    store = SqliteIncidentStore(database)
    alert = make_alert("grp-open", title="Checkout latency", received_at=T0)
    open_one = ingest(store, alert).incident
    open_one = store.update(
        open_one.model_copy(update={"channel_id": "C42"}), expected_version=open_one.version
    )
    old = make_alert("grp-old", title="Disk full", received_at=T0 - timedelta(hours=1))
    closed = ingest(store, old).incident
    closed = store.update(closed.transition(IncidentStatus.RESOLVED), expected_version=0)
    store.add_timeline(TimelineEntry(incident_id=open_one.id, author="U1", text="paged db team"))
    audit = SqliteAuditLog(database)
    audit.append(open_one.id, actor="marshal", action=AuditAction.INCIDENT_CREATED)
    audit.append(open_one.id, actor="U1", action=AuditAction.ACKNOWLEDGED)
    audit.append(closed.id, actor="marshal", action=AuditAction.INCIDENT_CREATED)
    return open_one, closed


def test_incident_list_shows_open_ones_as_a_table(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    open_one, closed = _seed(database)

    assert main(["incident", "list"]) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["ID", "STATUS", "SEV", "TRIGGERED", "CHANNEL", "TITLE"]
    assert open_one.id in out and "Checkout latency" in out and "C42" in out
    assert closed.id not in out


def test_incident_list_all_json(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    open_one, closed = _seed(database)

    assert main(["incident", "list", "--all", "--json"]) == 0

    listed = json.loads(capsys.readouterr().out)
    assert [i["id"] for i in listed] == [open_one.id, closed.id]
    first = listed[0]
    assert first["status"] == "triggered" and first["severity"] == "P2"
    assert first["title"] == "Checkout latency" and first["channel_id"] == "C42"
    assert first["triggered_at"].startswith("2024-05-01T12:00:00")
    assert listed[1]["resolved_at"] is not None


def test_incident_show_json_has_timeline_and_audit(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    open_one, _ = _seed(database)

    assert main(["incident", "show", open_one.id, "--json"]) == 0

    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == open_one.id and shown["channel_id"] == "C42"
    assert [t["text"] for t in shown["timeline"]] == ["paged db team"]
    assert [e["action"] for e in shown["audit"]] == ["INCIDENT_CREATED", "ACKNOWLEDGED"]


def test_incident_show_human(database: SqliteDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    open_one, _ = _seed(database)

    assert main(["incident", "show", open_one.id]) == 0

    out = capsys.readouterr().out
    assert "Checkout latency" in out and "paged db team" in out and "ACKNOWLEDGED" in out


def test_incident_show_unknown_id(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["incident", "show", "inc-nope"]) == 1
    assert "no incident with id 'inc-nope'" in capsys.readouterr().err


def test_audit_verify_all_ok(database: SqliteDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    _seed(database)

    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "ok: 2 incidents, 3 events"


def test_audit_verify_names_the_tampered_event(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    open_one, closed = _seed(database)
    events = SqliteAuditLog(database).events(open_one.id)
    SqliteTamper(database).edit(open_one.id, 2, actor="mallory")

    assert main(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"violation: incident {open_one.id}: event {events[1].event_id} (#2)" in out
    assert closed.id not in out

    assert main(["audit", "verify", closed.id]) == 0
    assert "ok: 1 incidents, 1 events" in capsys.readouterr().out


def test_audit_verify_flags_publish_without_approval(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    audit = SqliteAuditLog(database)
    audit.append(
        "inc-p",
        actor="marshal",
        action=AuditAction.STATUS_PUBLISHED,
        details={"draft_id": "draft-1", "body_sha256": "abc"},
    )

    assert main(["audit", "verify", "inc-p"]) == 1
    assert "without a matching earlier approval" in capsys.readouterr().out


def test_audit_verify_unknown_incident(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "verify", "inc-none"]) == 1
    assert "no audit events for incident inc-none" in capsys.readouterr().err
