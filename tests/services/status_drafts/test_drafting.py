"""StatusPageDrafting over the real gate (SQLite drafts and audit) and the sandbox Slack:
the nudge modal's "start a status-page draft" puts a draft up for review in the room, and
says so; without a room it says why nothing was drafted, and nothing was."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.domain.models import AlertSource, DraftStatus, Incident, PublicStatus
from bot.domain.severity import Severity
from bot.gates.status_page import StatusPageApprovalGate
from bot.ports.drafts import DraftStore
from bot.ports.store import IncidentStore
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from bot.services.nudges.status_updates import StatusUpdateRecorder
from bot.services.permissions import IncidentPermissions
from bot.services.status_drafts.drafting import StatusPageDrafting
from bot.settings import Settings
from bot.slack.blocks.status_draft import DraftRef
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from bot.slack.vocabulary import ActionId
from bot.wiring.status_page import build_draft_store, build_status_page_gate
from bot.wiring.stores import build_audit_log, build_store

IC = "U0ALICE"
_rooms = itertools.count(1)


@dataclass
class Kit:
    store: IncidentStore
    gate: StatusPageApprovalGate
    drafts: DraftStore  # the gate's own store, read directly
    slack: WebClientSlackGateway
    control: SandboxControl
    recorder: StatusUpdateRecorder

    def incident(self, *, room: bool = True) -> Incident:
        channel = (
            self.slack.create_private_channel(f"inc-drafting-{next(_rooms)}") if room else None
        )
        incident, _ = self.store.create_if_absent(
            Incident(
                source=AlertSource.GENERIC,
                group_key=f"drafting-{next(_rooms)}",
                title="checkout errors",
                severity=Severity.P1,
                channel_id=channel.id if channel else None,
            )
        )
        return incident

    def review_messages(self, channel: str) -> list[dict[str, Any]]:
        return [
            m
            for m in self.control.channel(channel)["messages"]
            if any(b.get("block_id") == "status_draft_actions" for b in m.get("blocks") or [])
        ]


@pytest.fixture
def kit(sandbox: SandboxSlack, tmp_path: Path) -> Iterator[Kit]:
    settings = Settings(marshal_db_path=tmp_path / "marshal.db", marshal_approvers=["U0DAVE"])
    store, audit = build_store(settings), build_audit_log(settings)
    slack = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    permissions = IncidentPermissions(settings.marshal_approvers, slack)
    gate = build_status_page_gate(settings, store, audit, permissions.may_approve)
    drafting = StatusPageDrafting(gate, slack)
    recorder = StatusUpdateRecorder(store, audit, slack, start_draft=drafting.draft_from_update)
    yield Kit(
        store, gate, build_draft_store(settings), slack, SandboxControl(sandbox.url), recorder
    )


def test_an_update_from_the_nudge_modal_is_put_up_for_review(kit: Kit) -> None:
    incident = kit.incident()
    assert incident.channel_id
    recorded = kit.recorder.record(incident.id, IC, "We rolled back the deploy.", start_draft=True)
    [message] = kit.review_messages(incident.channel_id)
    buttons = next(b for b in message["blocks"] if b.get("block_id") == "status_draft_actions")
    approve = next(
        e for e in buttons["elements"] if e["action_id"] == ActionId.APPROVE_STATUS_DRAFT
    )
    ref = DraftRef.parse(approve["value"])
    assert ref is not None
    draft = kit.gate.get(ref.draft_id)
    assert (draft.body, draft.drafted_by) == ("We rolled back the deploy.", IC)
    assert draft.public_status is PublicStatus.INVESTIGATING
    assert draft.status is DraftStatus.PENDING  # drafting never publishes
    assert recorded.notes == [
        f"Status-page draft `{draft.id}` is in the room, waiting for an approver."
    ]


def test_without_a_room_nothing_is_drafted_and_the_user_is_told(kit: Kit) -> None:
    incident = kit.incident(room=False)
    recorded = kit.recorder.record(incident.id, IC, "We rolled back.", start_draft=True)
    assert recorded.notes == [
        "No status-page draft was started: the incident has no war room to post the draft in"
    ]
    assert kit.drafts.list_for_incident(incident.id) == []
