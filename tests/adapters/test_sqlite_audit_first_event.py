"""SqliteAuditLog.first_on, the alert ledger's start of a new incident's chain: it reads
nothing first, so a chain that is there after all must still be refused, not overwritten."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit import AuditAction, AuditChainBroken, AuditEntry
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity


def _log_with_incident(tmp_path: Path) -> tuple[SqliteAuditLog, Incident]:
    database = SqliteDatabase(tmp_path / "m.db")
    incident = Incident(
        source=AlertSource.GENERIC, group_key="g", title="db down", severity=Severity.P2
    )
    SqliteIncidentStore(database).create_if_absent(incident)
    return SqliteAuditLog(database), incident


def _first(log: SqliteAuditLog, incident_id: str, event_id: str) -> None:
    entry = AuditEntry("source:generic", AuditAction.INCIDENT_CREATED, {}, event_id)
    first = log.first_event(incident_id, entry)
    with log.database.transaction() as conn:
        log.first_on(conn, first)


def test_the_first_event_is_anchored_on_the_incident(tmp_path: Path) -> None:
    log, incident = _log_with_incident(tmp_path)

    _first(log, incident.id, "evt-1.audit")

    [event] = log.events(incident.id)
    head = log.head(incident.id)
    assert event.seq == 1 and head is not None and (head.seq, head.hash) == (1, event.hash)


def test_a_chain_already_there_fails_the_insert_and_keeps_its_events(tmp_path: Path) -> None:
    log, incident = _log_with_incident(tmp_path)
    first = log.append(incident.id, actor="U1", action=AuditAction.INCIDENT_CREATED)

    with pytest.raises(sqlite3.IntegrityError):
        _first(log, incident.id, "evt-2.audit")

    assert log.events(incident.id) == [first]


def test_an_anchor_without_events_is_refused_as_a_cut_chain(tmp_path: Path) -> None:
    log, incident = _log_with_incident(tmp_path)
    log.append(incident.id, actor="U1", action=AuditAction.INCIDENT_CREATED)
    log.database.write("DELETE FROM audit_events")  # events removed behind marshal's back
    head = log.head(incident.id)

    with pytest.raises(AuditChainBroken, match=incident.id):
        _first(log, incident.id, "evt-3.audit")

    assert log.events(incident.id) == [] and log.head(incident.id) == head
