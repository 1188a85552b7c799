"""Resolve is atomic on both stores: the process dies right after the write that resolves the
incident, and after the restart the outbox relay still delivers INCIDENT_RESOLVED and the
resolve flow runs. With the state change and its event as two writes, the kill stranded the
flow: the incident stayed resolved with no event anywhere to finish it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from bot.adapters.sqlite.local_queue import LocalQueue
from bot.adapters.tracker.markdown_file import MarkdownFileTracker
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident, Role, utcnow
from bot.domain.severity import Severity
from bot.events.incident_resolved import IncidentResolvedHandler
from bot.ports.queue import EventType
from bot.ports.store import IncidentStore, OutboxEvent
from bot.sandbox.server import SandboxSlack
from bot.services.outbox_relay import OutboxRelay
from bot.services.postmortem.writer import PostmortemWriter
from bot.services.resolution.flow import ResolutionFlow
from bot.services.resolution.starter import ResolutionStarter
from bot.services.resolution.steps import ResolutionStep
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from tests.contract.conftest import Backend


class ProcessKilled(BaseException):
    """SIGKILL: nothing after this point runs, no `except Exception` sees it."""


class KilledAfterResolving:
    """The real store; the process dies the moment a write that resolves an incident lands."""

    def __init__(self, store: IncidentStore) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def update(self, incident: Incident, *, expected_version: int) -> Incident:
        return self._die_if_resolved(
            self._store.update(incident, expected_version=expected_version)
        )

    def update_with_events(
        self, incident: Incident, *, expected_version: int, events: Sequence[OutboxEvent]
    ) -> Incident:
        written = self._store.update_with_events(
            incident, expected_version=expected_version, events=events
        )
        return self._die_if_resolved(written)

    @staticmethod
    def _die_if_resolved(written: Incident) -> Incident:
        if written.status is IncidentStatus.RESOLVED:
            raise ProcessKilled(f"killed after resolving {written.id}")
        return written


@dataclass
class Rig:
    backend: Backend
    queue: LocalQueue
    slack: WebClientSlackGateway
    postmortems: Path

    def room(self) -> Incident:
        channel = self.slack.create_private_channel(f"inc-atomic-{self.backend.name}")
        incident, created = self.backend.store.create_if_absent(
            Incident(
                source=AlertSource.GENERIC,
                group_key="atomic",
                title="Checkout 5xx above 20%",
                severity=Severity.P1,
                status=IncidentStatus.INVESTIGATING,
                roles={Role.IC: "U0ALICE"},
                channel_id=channel.id,
                channel_name=channel.name,
            )
        )
        assert created
        return incident

    def flow(self) -> ResolutionFlow:
        store, audit = self.backend.store, self.backend.audit
        return ResolutionFlow(
            store,
            audit,
            self.slack,
            PostmortemWriter(store, audit, self.slack, llm=None),
            MarkdownFileTracker(self.postmortems),
            announce_channel="C0INCIDENTS",
        )


@pytest.fixture
def rig(backend: Backend, local_queue: LocalQueue, sandbox: SandboxSlack, tmp_path: Path) -> Rig:
    sandbox.reset()
    slack = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    return Rig(backend, local_queue, slack, tmp_path / "postmortems")


def test_a_kill_right_after_the_resolve_write_still_runs_the_resolve_flow(rig: Rig) -> None:
    incident = rig.room()
    dying = cast(IncidentStore, KilledAfterResolving(rig.backend.store))
    starter = ResolutionStarter(dying, rig.backend.audit, rig.queue, archive_on_resolve=True)

    with pytest.raises(ProcessKilled):
        starter.resolve(incident, "U0ALICE", "Rolled back the deploy")
    resolved = rig.backend.store.get(incident.id)
    assert resolved is not None and resolved.status is IncidentStatus.RESOLVED
    assert rig.queue.receive(max_messages=5, wait_seconds=0) == []  # nothing reached the queue

    # The restarted process: its relay sweeps the outbox, its consumer runs what arrives.
    assert OutboxRelay(rig.backend.store, rig.queue).sweep(include_fresh=True) == 1
    (delivery,) = rig.queue.receive(max_messages=5, wait_seconds=0)
    assert delivery.message.event_type == EventType.INCIDENT_RESOLVED.value
    assert delivery.message.payload["resolution_id"] == resolved.resolution_id
    IncidentResolvedHandler(rig.flow())(delivery.message)

    done = rig.backend.store.get(incident.id)
    assert done is not None
    assert list(done.resolution) == [s.value for s in ResolutionStep]
    postmortem = (rig.postmortems / f"{incident.id}.md").read_text()
    assert postmortem.startswith("# Postmortem: Checkout 5xx above 20%")
    actions = [e.action for e in rig.backend.audit.events(incident.id)]
    assert AuditAction.POSTMORTEM_FILED in actions
    assert rig.backend.store.pending_outbox(older_than=utcnow() + timedelta(days=1)) == []


def test_a_resolve_that_loses_a_race_leaves_no_stray_event(rig: Rig) -> None:
    """The event is written only with the winning state change: a lost race re-applies the
    change to the fresh record, and one resolve means one INCIDENT_RESOLVED."""
    incident = rig.room()
    rig.backend.store.update(
        incident.model_copy(update={"acknowledged_by": "U0BOB"}),
        expected_version=incident.version,
    )
    starter = ResolutionStarter(
        rig.backend.store, rig.backend.audit, rig.queue, archive_on_resolve=True
    )

    started = starter.resolve(incident, "U0ALICE", None)  # from the stale copy

    assert started.incident.status is IncidentStatus.RESOLVED
    assert started.incident.acknowledged_by == "U0BOB"  # merged, not overwritten
    deliveries = rig.queue.receive(max_messages=5, wait_seconds=0)
    assert [d.message.event_type for d in deliveries] == [EventType.INCIDENT_RESOLVED.value]
    assert OutboxRelay(rig.backend.store, rig.queue).sweep(include_fresh=True) == 0
