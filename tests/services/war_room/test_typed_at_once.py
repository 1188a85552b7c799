"""A room is the incident's room from the moment Slack creates it.

The real assembler runs against the sandbox; the instant `conversations.create` returns, and
before the assembler has recorded the channel id, a person types `/marshal ack` in the new
room through the real Bolt app. The command finds the incident (by the name the assembler
planned, which Slack sends with the command), acknowledges it, and the assembly merges with
that write and completes: timed, audited and handed to the nudge planner.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest

from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Alert, Incident
from bot.ports.slack import Channel, SlackGateway
from bot.sandbox.control_client import SandboxControl
from bot.services.war_room.assembler import WarRoomAssembler, is_assembled
from bot.services.war_room.checklist import ChecklistConfig
from bot.settings import Settings
from bot.slack.wiring import RunningSlack
from bot.wiring.slack import SlackFeatures
from tests.eventually import eventually
from tests.services.war_room.conftest import ANNOUNCE, WarRoomKit
from tests.slack.conftest import start_sandbox_slack


class TypedAtOnce:
    """The real gateway; someone types in each room the moment it is created."""

    def __init__(self, gateway: SlackGateway, control: SandboxControl, text: str) -> None:
        self._gateway = gateway
        self._control = control
        self._text = text
        self.replies: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._gateway, name)

    def create_private_channel(self, name: str) -> Channel:
        channel = self._gateway.create_private_channel(name)
        delivered = self._control.run_command("U0ALICE", channel.id, self._text)
        assert delivered.acked
        self.replies.append(str((delivered.ack_payload or {}).get("text")))
        return channel


@pytest.fixture
def app(kit: WarRoomKit) -> Iterator[RunningSlack]:
    def submit(alert: Alert) -> Incident:
        raise AssertionError(f"no alert is declared here: {alert.title}")

    _, running = start_sandbox_slack(
        kit.sandbox, Settings(), kit.store, kit.audit, SlackFeatures(submit)
    )
    eventually(
        lambda: kit.sandbox.hub.connection_count > 0, message="the app to connect to the sandbox"
    )
    yield running
    running.stop()


def test_ack_typed_before_the_channel_is_recorded_acknowledges_and_assembly_completes(
    kit: WarRoomKit, app: RunningSlack
) -> None:
    incident = kit.new_incident()
    typist = TypedAtOnce(kit.slack, SandboxControl(kit.sandbox.url), "ack")
    assembler = WarRoomAssembler(
        kit.store,
        kit.audit,
        cast(SlackGateway, typist),
        kit.directory,
        kit.metrics,
        announce_channel=ANNOUNCE,
        checklist_config=ChecklistConfig(),
        on_assembled=kit.assembled.append,
    )

    done = assembler.assemble(incident.id)

    assert len(typist.replies) == 1
    assert "acknowledged the incident" in typist.replies[0], typist.replies
    assert done.acknowledged_by == "U0ALICE"
    assert done.status is IncidentStatus.INVESTIGATING
    assert is_assembled(done) and done.channel_id
    assert done.assembly_seconds is not None
    actions = kit.actions(incident.id)
    assert actions.count(AuditAction.ACKNOWLEDGED) == 1
    assert AuditAction.ASSEMBLY_COMPLETED in actions
    assert [i.id for i in kit.assembled] == [incident.id]  # the nudge planner was told
