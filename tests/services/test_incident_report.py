"""MTTA / MTTR report over a real SQLite store, through the service, the command and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.cli import main
from bot.commands.base import CommandContext
from bot.commands.report import ReportCommand
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Alert, AlertSource, AlertStatus, Incident
from bot.domain.severity import Severity
from bot.services.incident_report import build_report, render_report

NOW = datetime.now(UTC)


def _incident(
    store: SqliteIncidentStore,
    key: str,
    *,
    days_ago: float,
    severity: Severity = Severity.P2,
    service: str = "checkout",
    ack_after: float | None = None,
    resolve_after: float | None = None,
    drill: bool = False,
) -> Incident:
    triggered = NOW - timedelta(days=days_ago)
    alert = Alert(
        source=AlertSource.GENERIC,
        external_id=key,
        group_key=key,
        status=AlertStatus.FIRING,
        title=key,
        severity=severity,
        service=service,
        drill=drill,
        received_at=triggered,
    )
    incident, _ = store.create_if_absent(Incident.from_alert(alert))
    changes: dict[str, object] = {}
    if ack_after is not None:
        changes["acknowledged_at"] = triggered + timedelta(seconds=ack_after)
    updated = incident.model_copy(update=changes)
    if resolve_after is not None:
        updated = updated.transition(
            IncidentStatus.RESOLVED, at=triggered + timedelta(seconds=resolve_after)
        )
    return store.update(updated, expected_version=incident.version)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SqliteIncidentStore]:
    path = tmp_path / "marshal.db"
    monkeypatch.setenv("MARSHAL_DB_PATH", str(path))
    database = SqliteDatabase(path)
    store = SqliteIncidentStore(database)
    _incident(store, "a", days_ago=1, severity=Severity.P1, ack_after=60, resolve_after=3600)
    _incident(store, "b", days_ago=2, ack_after=180, resolve_after=1800, service="search")
    _incident(store, "c", days_ago=3)  # still open, never acknowledged
    _incident(store, "d", days_ago=4, drill=True, ack_after=1, resolve_after=2)
    _incident(store, "old", days_ago=20, ack_after=9999, resolve_after=99999)
    yield store
    database.close()


def test_the_week_counts_real_incidents_and_averages_what_happened(
    store: SqliteIncidentStore,
) -> None:
    report = build_report(store, 7, now=NOW)
    assert (report.incidents, report.open, report.drills) == (3, 1, 1)
    assert report.by_severity == {"P1": 1, "P2": 2}
    assert report.by_service == {"checkout": 2, "search": 1}
    assert report.mtta_seconds == pytest.approx(120)
    assert report.mttr_seconds == pytest.approx(2700)
    text = render_report(report)
    assert "MTTA 2m 0s" in text and "MTTR 45m 0s" in text and "1 drills not counted" in text


def test_a_longer_window_reaches_older_incidents(store: SqliteIncidentStore) -> None:
    assert build_report(store, 30, now=NOW).incidents == 4


@pytest.mark.parametrize(("args", "ok"), [([], True), (["30d"], True), (["soon"], False)])
def test_the_slash_command_reports_or_explains_its_usage(
    store: SqliteIncidentStore, args: list[str], ok: bool
) -> None:
    reply = ReportCommand(store).run(
        CommandContext(user_id="U1", channel_id="C1", command="/marshal", name="report", args=args)
    )
    if ok:
        assert reply.in_channel and "Incidents in the last" in reply.text
    else:
        assert "not a window like 7d or 30d" in reply.text and not reply.in_channel


def test_the_cli_prints_the_same_report_as_json(
    store: SqliteIncidentStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--days", "7", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["incidents"] == 3 and printed["by_severity"] == {"P1": 1, "P2": 2}
