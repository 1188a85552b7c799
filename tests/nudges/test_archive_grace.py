"""MARSHAL_ARCHIVE_AFTER: a resolved room is archived after the grace, not at once; the plan
comes from the store (a restarted scheduler keeps it), replicas archive once, and a reopen
cancels it."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AssemblyStep, Incident
from bot.services.nudges.scheduler import JobKind, NudgeScheduler
from bot.services.resolution.archiver import RoomArchiver
from bot.services.resolution.steps import required_steps
from bot.services.steps.ledger import IncidentLedger
from tests.eventually import eventually
from tests.nudges.conftest import Rig


def _resolve(rig: Rig) -> Incident:
    """Resolved now, every resolve step but the archive finished (the flow is done)."""
    done = AssemblyStep(done_at=datetime.now(UTC))

    def resolved(current: Incident) -> Incident:
        return current.transition(IncidentStatus.RESOLVED, at=rig.clock()).model_copy(
            update={
                "resolution_id": "res-1",
                "resolution": {s.value: done for s in required_steps(archive=False)},
            }
        )

    return IncidentLedger(rig.store, rig.reload()).apply(resolved)


def _scheduler(rig: Rig, grace: int, owner: str) -> NudgeScheduler:
    database = SqliteDatabase(rig.path)
    archiver = RoomArchiver(
        SqliteIncidentStore(database),
        SqliteAuditLog(database),
        rig.slack,
        grace_seconds=grace,
        owner=owner,
        clock=rig.clock,
    )
    return rig.scheduler(archiver=archiver)


def _archived(rig: Rig) -> bool:
    return rig.sandbox.workspace.channel(rig.incident.channel_id or "").is_archived


def test_the_room_is_archived_after_the_grace_not_at_once(rig: Rig) -> None:
    resolved = _resolve(rig)
    scheduler = _scheduler(rig, grace=1, owner="one")
    scheduler.start()

    planned = scheduler.planned()[(JobKind.ARCHIVE, resolved.id)]
    assert (planned.due.at - (resolved.resolved_at or rig.clock())).total_seconds() == 1
    assert not _archived(rig)  # the grace: rate, read, reopen
    rig.clock.advance(1)
    eventually(lambda: _archived(rig), timeout=10, message="the room to be archived")
    eventually(lambda: rig.actions(AuditAction.ROOM_ARCHIVED), timeout=5)
    assert "archive" in rig.reload().resolution
    eventually(lambda: (JobKind.ARCHIVE, resolved.id) not in scheduler.planned(), timeout=5)


def test_a_restarted_scheduler_and_a_replica_archive_it_once(rig: Rig) -> None:
    _resolve(rig)
    before_restart = _scheduler(rig, grace=3600, owner="gone")
    before_restart.start()
    before_restart.stop()  # the process dies with the archive still ahead
    rig.clock.advance(3600)

    first, second = _scheduler(rig, 3600, "a"), _scheduler(rig, 3600, "b")
    first.start()
    second.start()

    eventually(lambda: _archived(rig), timeout=10, message="the restarted plan to archive")
    eventually(lambda: rig.actions(AuditAction.ROOM_ARCHIVED), timeout=5)
    time.sleep(0.5)  # room for a second archive, were the claim not there
    assert len(rig.actions(AuditAction.ROOM_ARCHIVED)) == 1
    archives = rig.sandbox.calls("conversations.archive")
    room = rig.incident.channel_id
    assert len([c for c in archives if c.ok and c.args.get("channel") == room]) == 1


def test_a_reopen_cancels_the_archive(rig: Rig) -> None:
    resolved = _resolve(rig)
    scheduler = _scheduler(rig, grace=1, owner="one")
    scheduler.start()
    assert (JobKind.ARCHIVE, resolved.id) in scheduler.planned()

    def reopened(current: Incident) -> Incident:
        return current.transition(IncidentStatus.INVESTIGATING).model_copy(
            update={"resolution_id": None, "resolution": {}}
        )

    IncidentLedger(rig.store, rig.reload()).apply(reopened)
    rig.clock.advance(2)
    time.sleep(1.5)  # past the grace: the job fires, re-reads, and leaves the room alone

    assert not _archived(rig)
    assert rig.actions(AuditAction.ROOM_ARCHIVED) == []
