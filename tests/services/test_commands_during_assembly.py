"""Commands that write the incident merge with the assembler's concurrent step writes, on both
stores: before each of a command's writes, the war-room ledger records another step (as the
side-by-side room steps do), so the command's copy is stale six times in a row. Each command
still does its job once, on the fresh record, and every step record survives."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

import pytest

from bot.adapters.sqlite.local_queue import LocalQueue
from bot.commands.ack import AckCommand
from bot.commands.base import CommandContext, CommandReply, Outcome
from bot.commands.resolve import ResolveCommand
from bot.commands.severity import SeverityCommand
from bot.commands.state import StateCommand
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident, utcnow
from bot.domain.severity import Severity
from bot.ports.queue import EventType
from bot.ports.store import IncidentStore, OutboxEvent
from bot.sandbox.server import SandboxSlack
from bot.services.permissions import IncidentPermissions
from bot.services.resolution.starter import ResolutionStarter
from bot.services.steps.ledger import IncidentLedger
from bot.services.war_room.steps import ROOM_STEPS, StepName
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from tests.contract.conftest import Backend

APPROVER = "U0DAVE"


class AssemblingMeanwhile:
    """The real store, with the assembler recording one more room step on the incident just
    before each write of anyone else, until every room step is recorded."""

    def __init__(self, store: IncidentStore, steps: Sequence[StepName] = ROOM_STEPS) -> None:
        self._store = store
        self._steps = list(steps)
        self.lost_races = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def update(self, incident: Incident, *, expected_version: int) -> Incident:
        self._step(incident.id)
        return self._store.update(incident, expected_version=expected_version)

    def update_with_events(
        self, incident: Incident, *, expected_version: int, events: Sequence[OutboxEvent]
    ) -> Incident:
        self._step(incident.id)
        return self._store.update_with_events(
            incident, expected_version=expected_version, events=events
        )

    def _step(self, incident_id: str) -> None:
        if not self._steps:
            return
        fresh = self._store.get(incident_id)
        assert fresh is not None
        IncidentLedger(self._store, fresh).record_step(
            self._steps.pop(0), done_at=utcnow(), seconds=0.1
        )
        self.lost_races += 1


@pytest.fixture
def permissions(sandbox: SandboxSlack) -> Iterator[IncidentPermissions]:
    gateway = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    yield IncidentPermissions([APPROVER], gateway)


def assembling(backend: Backend, group: str) -> Incident:
    """An incident whose room exists and whose other steps are still running."""
    incident, created = backend.store.create_if_absent(
        Incident(
            source=AlertSource.GENERIC,
            group_key=group,
            title="Checkout 5xx above 20%",
            severity=Severity.P1,
            status=IncidentStatus.ASSEMBLING,
            channel_id=f"C{group.upper()}",
            channel_name=f"inc-{group}",
        )
    )
    assert created
    return incident


def _run(command: Any, incident: Incident, user: str, *args: str) -> CommandReply:
    reply: CommandReply = command.run(
        CommandContext(
            user_id=user,
            channel_id=incident.channel_id or "",
            command="/marshal",
            name=command.name,
            args=list(args),
            rest=" ".join(args),
            incident=incident,
        )
    )
    return reply


def _settled(backend: Backend, incident: Incident, busy: AssemblingMeanwhile) -> Incident:
    assert busy.lost_races == len(ROOM_STEPS)  # every step landed between read and write
    stored = backend.store.get(incident.id)
    assert stored is not None
    assert sorted(stored.assembly) == sorted(s.value for s in ROOM_STEPS)  # nothing overwritten
    return stored


def _actions(backend: Backend, incident_id: str) -> list[AuditAction]:
    return [e.action for e in backend.audit.events(incident_id)]


def test_ack_during_assembly(backend: Backend) -> None:
    incident = assembling(backend, "ack")
    busy = AssemblingMeanwhile(backend.store)
    ack = AckCommand(cast(IncidentStore, busy), backend.audit)

    reply = _run(ack, incident, "U0ALICE")

    assert reply.outcome is Outcome.OK, reply.text
    stored = _settled(backend, incident, busy)
    assert stored.acknowledged_by == "U0ALICE"
    assert stored.status is IncidentStatus.INVESTIGATING
    events = backend.audit.events(incident.id)
    assert [e.action for e in events].count(AuditAction.ACKNOWLEDGED) == 1
    (moved,) = [e for e in events if e.action is AuditAction.STATUS_CHANGED]
    assert moved.details["from"] == "assembling"


def test_severity_during_assembly(backend: Backend, permissions: IncidentPermissions) -> None:
    incident = assembling(backend, "sev")
    busy = AssemblingMeanwhile(backend.store)
    severity = SeverityCommand(cast(IncidentStore, busy), backend.audit, permissions)

    reply = _run(severity, incident, APPROVER, "P3")

    assert reply.outcome is Outcome.OK, reply.text
    assert _settled(backend, incident, busy).severity is Severity.P3
    assert _actions(backend, incident.id).count(AuditAction.SEVERITY_CHANGED) == 1


def test_state_during_assembly(backend: Backend) -> None:
    incident = assembling(backend, "state")
    busy = AssemblingMeanwhile(backend.store)

    reply = _run(
        StateCommand(cast(IncidentStore, busy), backend.audit), incident, "U0BOB", "identified"
    )

    assert reply.outcome is Outcome.OK, reply.text
    assert _settled(backend, incident, busy).status is IncidentStatus.IDENTIFIED


def test_resolve_during_assembly_writes_one_event(
    backend: Backend, permissions: IncidentPermissions, local_queue: LocalQueue
) -> None:
    incident = assembling(backend, "res")
    busy = AssemblingMeanwhile(backend.store)
    starter = ResolutionStarter(
        cast(IncidentStore, busy), backend.audit, local_queue, archive_on_resolve=True
    )

    reply = _run(ResolveCommand(starter, permissions), incident, APPROVER, "Rolled", "back")

    assert reply.outcome is Outcome.OK, reply.text
    stored = _settled(backend, incident, busy)
    assert stored.status is IncidentStatus.RESOLVED and stored.resolved_by == APPROVER
    deliveries = local_queue.receive(max_messages=10, wait_seconds=0)
    assert [d.message.event_type for d in deliveries] == [EventType.INCIDENT_RESOLVED.value]
    assert deliveries[0].message.payload["resolution_id"] == stored.resolution_id
