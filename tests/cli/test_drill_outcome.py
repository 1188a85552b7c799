"""How `marshal drill` reads a finished assembly from the store: a missing step fails it."""

from __future__ import annotations

import time

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.cli.drill import follow, missing_steps
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, AssemblyStep, Incident, utcnow
from bot.domain.severity import Severity
from bot.services.war_room.steps import REQUIRED_STEPS, StepName


def _assembled(store: SqliteIncidentStore, steps: list[StepName]) -> Incident:
    incident, _ = store.create_if_absent(
        Incident(
            source=AlertSource.GENERIC,
            group_key=f"drill:{len(steps)}",
            title="Drill",
            severity=Severity.P2,
        )
    )
    done = {s.value: AssemblyStep(done_at=utcnow(), seconds=0.01) for s in steps}
    moved = (
        incident.transition(IncidentStatus.ASSEMBLING)
        .transition(IncidentStatus.INVESTIGATING)
        .model_copy(update={"assembly": done, "channel_id": "G1", "channel_name": "inc-drill"})
    )
    return store.update(moved, expected_version=incident.version)


def test_every_required_step_done_is_ready(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SqliteIncidentStore(database)
    incident = _assembled(store, list(REQUIRED_STEPS))
    assert missing_steps(incident) == []
    assert follow(store, incident.id, time.monotonic(), timeout=5) == 0
    assert "ready in" in capsys.readouterr().out


def test_a_failed_step_fails_the_drill_and_is_named(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SqliteIncidentStore(database)
    steps: list[StepName] = [s for s in REQUIRED_STEPS if s is not StepName.ANNOUNCEMENT]
    incident = _assembled(store, steps)
    assert missing_steps(incident) == ["announcement"]
    assert follow(store, incident.id, time.monotonic(), timeout=5) == 1
    out = capsys.readouterr().out
    assert f"drill: step announcement FAILED for {incident.id}" in out
    assert "ready in" not in out


@pytest.mark.parametrize(("invited", "warned"), [(0, True), (3, False)])
def test_a_room_with_nobody_invited_is_said_in_the_drill(
    database: SqliteDatabase, capsys: pytest.CaptureFixture[str], invited: int, warned: bool
) -> None:
    store = SqliteIncidentStore(database)
    incident = _assembled(store, list(REQUIRED_STEPS))
    steps = dict(incident.assembly)
    steps[StepName.INVITES.value] = AssemblyStep(
        done_at=utcnow(), detail={"fallback": True, "invited": invited}
    )
    incident = store.update(
        incident.model_copy(update={"assembly": steps}), expected_version=incident.version
    )
    assert follow(store, incident.id, time.monotonic(), timeout=5) == 0
    out = capsys.readouterr().out
    assert ("nobody else was invited" in out) is warned
    assert "MARSHAL_DEFAULT_RESPONDERS" in out if warned else "ready in" in out
