"""Follow-ups through the real Bolt app and the sandbox Slack: `followup add` in a room,
`followups` anywhere with Done and Not doing buttons (Not doing asks why in a modal), every
change audited in the incident's chain and noted on its timeline."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.domain.audit import AuditAction
from bot.domain.followups import FollowUp, FollowUpKind, FollowUpPriority, FollowUpStatus
from bot.domain.models import Alert, AlertSource, Incident, Role, utcnow
from bot.domain.severity import Severity
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.slack.gateway import build_web_client
from bot.slack.vocabulary import ActionId, InputId
from bot.wiring.followups import FollowUpParts, build_followups
from bot.wiring.slack import SlackFeatures, SlackSide, build_slack_side, start_slack_app
from bot.wiring.stores import build_audit_log, build_store
from tests.eventually import eventually

IC, OWNER, BYSTANDER = "U0ALICE", "U0BOB", "U0CAROL"
_rooms = itertools.count(1)


@dataclass
class Rig:
    control: SandboxControl
    store: IncidentStore
    audit: AuditLog
    side: SlackSide
    parts: FollowUpParts

    def room(self, severity: Severity = Severity.P1) -> Incident:
        channel = self.side.gateway.create_private_channel(f"inc-followups-{next(_rooms)}")
        self.side.gateway.invite(channel.id, [IC, OWNER, BYSTANDER])
        incident, created = self.store.create_if_absent(
            Incident(
                source=AlertSource.GENERIC,
                group_key=f"followups:{channel.id}",
                title="checkout errors",
                severity=severity,
                service="checkout",
                roles={Role.IC: IC},
                channel_id=channel.id,
                channel_name=channel.name,
            )
        )
        assert created
        return incident

    def run(self, user: str, channel: str, text: str) -> dict[str, Any]:
        delivered = self.control.run_command(user, channel, text)
        assert delivered.acked, f"not acked: {text!r}"
        return delivered.ack_payload or {}

    def actions(self, incident_id: str) -> list[AuditAction]:
        return [e.action for e in self.audit.events(incident_id)]

    def listed(self, user: str, channel: str, text: str = "followups") -> dict[str, Any]:
        """Runs `text` and returns the ephemeral list it showed (with its buttons)."""
        before = len(self._ephemerals(channel, user))
        self.run(user, channel, text)
        shown = eventually(lambda: self._ephemerals(channel, user)[before:])
        return shown[-1]

    def _ephemerals(self, channel: str, user: str) -> list[dict[str, Any]]:
        return [e for e in self.control.channel(channel)["ephemerals"] if e.get("to_user") == user]

    def press(
        self, user: str, channel: str, message: dict[str, Any], action: ActionId, value: str
    ) -> None:
        assert value in button_values(message, action)
        delivered = self.control.press_button(
            user, channel, str(message["ts"]), action.value, value=value
        )
        assert delivered.acked

    def texts_to(self, channel: str, user: str) -> list[str]:
        return [str(e.get("text", "")) for e in self._ephemerals(channel, user)]


def button_values(message: dict[str, Any], action: ActionId) -> list[str]:
    return [
        str(element["value"])
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("action_id") == action.value
    ]


@pytest.fixture(scope="module")
def rig(sandbox: SandboxSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    folder: Path = tmp_path_factory.mktemp("followups")
    settings = Settings(marshal_db_path=folder / "marshal.db")
    store = build_store(settings)
    audit = build_audit_log(settings)

    def submit_alert(alert: Alert) -> Incident:
        raise AssertionError("no alert is declared in these tests")

    side = build_slack_side(
        settings, store, audit, build_web_client(sandbox.bot_token, sandbox.api_url)
    )
    parts = build_followups(settings, store, audit, side.gateway, side.permissions)
    running = start_slack_app(
        settings,
        store,
        audit,
        side,
        app_token=sandbox.app_token,
        features=SlackFeatures(
            submit_alert,
            actions=parts.routes.actions(),
            views=parts.routes.views(),
            followups=parts.desk,
        ),
    )
    eventually(lambda: sandbox.hub.connection_count > 0)
    yield Rig(SandboxControl(sandbox.url), store, audit, side, parts)
    running.stop()


def only(rig: Rig, incident: Incident) -> FollowUp:
    [followup] = rig.parts.desk.store.for_incident(incident.id)
    return followup


def test_followup_add_records_owner_due_priority_and_kind(rig: Rig) -> None:
    room = rig.room()
    channel = str(room.channel_id)
    reply = rig.run(
        IC, channel, f"followup add Add a retry budget due to storms <@{OWNER}> due 3d P1 detective"
    )
    assert reply.get("response_type") == "in_channel"
    followup = only(rig, room)
    assert followup.text == "Add a retry budget due to storms"
    assert (followup.owner, followup.priority, followup.kind) == (
        OWNER,
        FollowUpPriority.P1,
        FollowUpKind.DETECTIVE,
    )
    assert abs(followup.due_at - (utcnow() + timedelta(days=3))) < timedelta(minutes=1)
    assert (followup.service, followup.incident_severity) == ("checkout", "P1")
    assert followup.id in str(reply.get("text"))
    added = [e for e in rig.audit.events(room.id) if e.action is AuditAction.FOLLOWUP_ADDED]
    assert [(e.actor, e.details["followup_id"]) for e in added] == [(IC, followup.id)]
    timeline = rig.store.list_timeline(room.id)
    assert any(followup.id in entry.text for entry in timeline)


def test_followup_add_defaults_and_refuses_bad_input(rig: Rig) -> None:
    room = rig.room()
    channel = str(room.channel_id)
    bad_due = rig.run(IC, channel, "followup add Fix it due yesterday")
    assert "not a duration" in str(bad_due.get("text"))
    past = rig.run(IC, channel, "followup add Fix it due 2001-01-01")
    assert "in the past" in str(past.get("text"))
    empty = rig.run(IC, channel, "followup add P2")
    assert "needs a description" in str(empty.get("text"))
    assert rig.parts.desk.store.for_incident(room.id) == []  # nothing half-made
    rig.run(IC, channel, "followup add Write the runbook")
    followup = only(rig, room)
    assert followup.owner is None and followup.priority is FollowUpPriority.P3
    assert abs(followup.due_at - (utcnow() + timedelta(days=30))) < timedelta(minutes=1)
    outside = rig.run(IC, "C0TRIAGE", "followup add Anything")
    assert "not an incident war room" in str(outside.get("text"))


def test_done_button_closes_once_and_is_audited(rig: Rig) -> None:
    room = rig.room()
    channel = str(room.channel_id)
    rig.run(IC, channel, f"followup add Alert on queue depth <@{OWNER}> due 5d")
    listed = rig.listed(OWNER, channel, "followups mine")
    made = only(rig, room).id
    assert made in button_values(listed, ActionId.FOLLOWUP_DONE)

    rig.press(BYSTANDER, channel, listed, ActionId.FOLLOWUP_DONE, made)
    eventually(lambda: any("may not close" in t for t in rig.texts_to(channel, BYSTANDER)))
    assert only(rig, room).status is FollowUpStatus.OPEN
    assert AuditAction.PERMISSION_DENIED in rig.actions(room.id)

    rig.press(OWNER, channel, listed, ActionId.FOLLOWUP_DONE, made)
    eventually(lambda: only(rig, room).status is FollowUpStatus.DONE)
    rig.press(
        OWNER, channel, listed, ActionId.FOLLOWUP_DONE, made
    )  # a second press changes nothing
    eventually(lambda: any("already done" in t for t in rig.texts_to(channel, OWNER)))
    closed = only(rig, room)
    assert (closed.closed_by, closed.version) == (OWNER, 1)
    assert rig.actions(room.id).count(AuditAction.FOLLOWUP_DONE) == 1
    again = rig.listed(OWNER, channel, "followups mine")
    assert made not in button_values(again, ActionId.FOLLOWUP_DONE)


def test_not_doing_asks_why_in_a_modal(rig: Rig) -> None:
    room = rig.room()
    channel = str(room.channel_id)
    rig.run(IC, channel, "followup add Rewrite the scheduler P2")
    listed = rig.listed(IC, channel, "followups all")
    mine = [
        v for v in button_values(listed, ActionId.FOLLOWUP_NOT_DOING) if v == only(rig, room).id
    ]
    assert mine
    views_before = len(rig.control.state()["views"])
    value = mine[0]
    delivered = rig.control.press_button(
        IC, channel, str(listed["ts"]), ActionId.FOLLOWUP_NOT_DOING.value, value=value
    )
    assert delivered.acked
    view = eventually(lambda: rig.control.state()["views"][views_before:])[-1]
    assert view["callback_id"] == "marshal.followup.not_doing_view"
    field = InputId.FOLLOWUP_REASON.value
    blank = rig.control.submit_view(
        IC, view["id"], {field: {field: {"type": "plain_text_input", "value": "  "}}}
    )
    assert blank.raw.get("errors") or (blank.ack_payload or {}).get("errors")
    assert only(rig, room).status is FollowUpStatus.OPEN
    submitted = rig.control.submit_view(
        IC, view["id"], {field: {field: {"type": "plain_text_input", "value": "superseded"}}}
    )
    assert submitted.acked
    closed = eventually(lambda: f if (f := only(rig, room)).status.value == "not_doing" else None)
    assert (closed.closed_by, closed.closed_reason) == (IC, "superseded")
    not_doing = [e for e in rig.audit.events(room.id) if e.action is AuditAction.FOLLOWUP_NOT_DOING]
    assert [e.details["reason"] for e in not_doing] == ["superseded"]


def test_correlate_links_both_timelines_once(rig: Rig) -> None:
    room, other = rig.room(), rig.room(Severity.P2)
    channel = str(room.channel_id)
    reply = rig.run(IC, channel, f"correlate {other.id}")
    assert reply.get("response_type") == "in_channel"
    assert other.id in str(reply.get("text"))
    again = rig.run(IC, "C0TRIAGE", f"correlate {other.id} {room.id}")
    assert "already correlated" in str(again.get("text"))
    for one, two in ((room, other), (other, room)):
        linked = [
            e for e in rig.store.list_timeline(one.id) if e.source_ref == f"correlated:{two.id}"
        ]
        assert len(linked) == 1 and two.id in linked[0].text
        audited = [
            e.details["with"]
            for e in rig.audit.events(one.id)
            if e.action is AuditAction.INCIDENTS_CORRELATED
        ]
        assert audited == [two.id]
    unknown = rig.run(IC, channel, "correlate inc-nope")
    assert "no incident inc-nope" in str(unknown.get("text"))
    itself = rig.run(IC, channel, f"correlate {room.id}")
    assert "itself" in str(itself.get("text"))
    lost = rig.run(IC, "C0TRIAGE", f"correlate {room.id}")
    assert "in a war room" in str(lost.get("text"))
