"""`marshal followups list|gate` in-process on a temp SQLite file: the gate exits 1 listing
the overdue open follow-ups of P1/P2 incidents (drills left out), 0 when there are none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.cli import main
from bot.domain.followups import FollowUp, FollowUpStatus
from bot.domain.models import AlertSource, Incident, utcnow
from bot.domain.severity import Severity
from bot.wiring.followups import build_followup_store
from bot.wiring.stores import build_store
from tests.conftest import dynamodb_settings


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqliteDatabase]:
    path = tmp_path / "cli" / "marshal.db"
    monkeypatch.setenv("MARSHAL_DB_PATH", str(path))
    database = SqliteDatabase(path)
    yield database
    database.close()


def _incident(store: SqliteIncidentStore, severity: Severity, *, drill: bool = False) -> Incident:
    incident, _ = store.create_if_absent(
        Incident(
            source=AlertSource.GENERIC,
            group_key=f"grp-{severity}-{drill}",
            title=f"{severity} trouble",
            severity=severity,
            service="checkout",
            drill=drill,
        )
    )
    return incident


def _followup(
    followups: SqliteFollowUpStore, incident: Incident, text: str, *, due_days: float
) -> FollowUp:
    return followups.add(
        FollowUp(
            incident_id=incident.id,
            text=text,
            due_at=utcnow() + timedelta(days=due_days),
            service=incident.service,
            incident_severity=incident.severity.value,
            drill=incident.drill,
            created_by="U0IC",
        )
    )


def test_gate_blocks_on_overdue_follow_ups_of_p1_p2_incidents(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    store, followups = SqliteIncidentStore(database), SqliteFollowUpStore(database)
    p1, p3 = _incident(store, Severity.P1), _incident(store, Severity.P3)
    drill = _incident(store, Severity.P1, drill=True)
    assert main(["followups", "gate"]) == 0
    assert "No overdue follow-ups" in capsys.readouterr().out

    _followup(followups, p1, "not due yet", due_days=3)
    _followup(followups, p3, "overdue but minor", due_days=-2)
    _followup(followups, drill, "overdue drill", due_days=-2)
    assert main(["followups", "gate"]) == 0
    capsys.readouterr()

    late = _followup(followups, p1, "add a retry budget", due_days=-1)
    assert main(["followups", "gate"]) == 1
    out = capsys.readouterr().out
    assert late.id in out and "add a retry budget" in out and "block this release" in out
    assert "overdue but minor" not in out and "overdue drill" not in out

    assert main(["followups", "gate", "--severity", "P3", "--json"]) == 1
    listed = json.loads(capsys.readouterr().out)
    assert [f["text"] for f in listed] == ["overdue but minor"]
    assert main(["followups", "gate", "--service", "search"]) == 0
    capsys.readouterr()

    followups.update(
        late.closed(FollowUpStatus.DONE, by="U0IC", at=utcnow()), expected_version=late.version
    )
    assert main(["followups", "gate"]) == 0


def test_gate_refuses_a_bad_severity_list(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["followups", "gate", "--severity", "P9"])
    assert exited.value.code == 2
    assert "list severities like P1,P2" in capsys.readouterr().err


def test_list_open_overdue_by_service_as_json(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    store, followups = SqliteIncidentStore(database), SqliteFollowUpStore(database)
    p2 = _incident(store, Severity.P2)
    soon = _followup(followups, p2, "soon", due_days=1)
    late = _followup(followups, p2, "late", due_days=-1)
    assert main(["followups", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [late.id in out[0], soon.id in out[1]] == [True, True]
    assert main(["followups", "list", "--overdue", "--json"]) == 0
    assert [f["id"] for f in json.loads(capsys.readouterr().out)] == [late.id]
    assert main(["followups", "list", "--service", "search"]) == 0
    assert "No open follow-ups." in capsys.readouterr().out


def test_gate_on_dynamodb(
    aws: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same gate over MARSHAL_STORE=dynamodb (moto's server over HTTP)."""
    settings = dynamodb_settings(monkeypatch, "gate-")
    store, followups = build_store(settings), build_followup_store(settings)
    incident, _ = store.create_if_absent(
        Incident(source=AlertSource.GENERIC, group_key="g", title="db down", severity=Severity.P1)
    )
    late = followups.add(
        FollowUp(
            incident_id=incident.id,
            text="add replicas",
            due_at=utcnow() - timedelta(days=1),
            incident_severity="P1",
            created_by="U0IC",
        )
    )
    assert main(["followups", "gate"]) == 1
    assert late.id in capsys.readouterr().out
    followups.update(
        late.closed(FollowUpStatus.NOT_DOING, by="U0IC", at=utcnow(), reason="moot"),
        expected_version=0,
    )
    assert main(["followups", "gate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
