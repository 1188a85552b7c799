"""IncidentDetailReader over a real SQLite store: timeline, roles, durations, drafts, audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.draft_store import SqliteDraftStore
from bot.domain.audit import AuditAction
from bot.domain.models import Incident, Role, StatusPageDraft, TimelineEntry
from bot.services.operator.incident_detail import IncidentDetailReader
from tests.contract.conftest import T0, Backend, ingest, make_alert, sqlite_backend


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    made = sqlite_backend(tmp_path / "marshal.db")
    yield made
    for close in made.closers:
        close()


class Escalations:
    name = "escalations"

    def read(self, incident: Incident) -> Any:
        return {"level": 1, "incident": incident.id}


def test_detail_carries_timeline_roles_durations_drafts_and_sections(
    backend: Backend, tmp_path: Path
) -> None:
    incident = ingest(backend.store, make_alert(received_at=T0)).incident
    acked = incident.model_copy(
        update={
            "acknowledged_at": T0 + timedelta(seconds=90),
            "acknowledged_by": "U1",
            "roles": {Role.IC: "U1"},
        }
    )
    backend.store.update(acked, expected_version=incident.version)
    backend.store.add_timeline(TimelineEntry(incident_id=incident.id, author="U1", text="hi"))
    backend.audit.append(incident.id, actor="U1", action=AuditAction.ACKNOWLEDGED)
    database = SqliteDatabase(tmp_path / "drafts.db")
    drafts = SqliteDraftStore(database)
    drafts.add(StatusPageDraft(incident_id=incident.id, title="t", body="b", drafted_by="U1"))
    reader = IncidentDetailReader(
        backend.store,
        backend.audit,
        drafts,
        sections=[Escalations()],
        clock=lambda: T0 + timedelta(minutes=10),
    )

    detail = reader.detail(incident.id)

    assert detail is not None
    assert detail.roles == {"ic": "U1"}
    assert detail.durations.acknowledge == 90.0
    assert detail.open_for_seconds == 600.0
    assert [t.text for t in detail.timeline] == ["hi"]
    assert [d.body for d in detail.drafts] == ["b"]
    assert detail.sections == {"escalations": {"level": 1, "incident": incident.id}}
    trail = reader.audit_trail(incident.id)
    assert trail is not None and [a.action for a in trail] == ["ACKNOWLEDGED"]
    assert reader.detail("inc-missing") is None
    assert reader.audit_trail("inc-missing") is None
    database.close()
