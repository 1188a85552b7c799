"""The resolve flow through the real Bolt app and the sandbox Slack: `/marshal resolve`
permissions, the "Resolve incident" button a cleared alert offers (and auto-resolve), the
pulse rating buttons, and `/marshal postmortem done` stopping the postmortem-due reminder.

Its own app (the shared harness has no resolution starter): SQLite store, audit log and
local queue in one temp file; the INCIDENT_RESOLVED events are drained from that queue and
run through the real ResolutionFlow, so every message a user sees is really posted.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.local_queue import LocalQueue
from bot.adapters.tracker.markdown_file import MarkdownFileTracker
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Alert, AlertSource, Incident, Role
from bot.domain.severity import Severity
from bot.events.alert_resolved import AlertResolvedHandler
from bot.events.incident_resolved import IncidentResolvedHandler
from bot.ports.audit import AuditLog
from bot.ports.queue import EventType, QueueMessage
from bot.ports.store import IncidentStore
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from bot.services.nudges.reminders import ReminderOutcome, Reminders
from bot.services.nudges.schedule import next_postmortem_check
from bot.services.postmortem.writer import PostmortemWriter
from bot.services.resolution.flow import ResolutionFlow
from bot.services.resolution.ratings import RatingRecorder
from bot.services.resolution.starter import ResolutionStarter
from bot.settings import Settings
from bot.slack.gateway import build_web_client
from bot.slack.resolution_actions import ResolutionButtons
from bot.slack.vocabulary import ActionId
from bot.wiring.nudges import nudge_policy
from bot.wiring.slack import SlackFeatures, SlackSide, build_slack_side, start_slack_app
from bot.wiring.stores import build_audit_log, build_store
from tests.eventually import eventually
from tests.nudges.conftest import Clock
from tests.slack.conftest import APPROVER

IC = "U0ALICE"
_rooms = itertools.count(1)


@dataclass
class ResolveRig:
    control: SandboxControl
    settings: Settings
    store: IncidentStore
    audit: AuditLog
    queue: LocalQueue
    starter: ResolutionStarter
    side: SlackSide
    flow: ResolutionFlow

    def room(self, *, ic: str | None = IC) -> Incident:
        channel = self.side.gateway.create_private_channel(f"inc-resolve-slack-{next(_rooms)}")
        self.side.gateway.invite(channel.id, ["U0ALICE", "U0BOB", "U0CAROL", APPROVER])
        incident, created = self.store.create_if_absent(
            Incident(
                source=AlertSource.GENERIC,
                group_key=f"resolve:{channel.id}",
                title="checkout errors",
                severity=Severity.P2,
                status=IncidentStatus.INVESTIGATING,
                roles={Role.IC: ic} if ic else {},
                channel_id=channel.id,
                channel_name=channel.name,
            )
        )
        assert created
        return incident

    def run(self, user: str, channel: str, text: str) -> str:
        delivered = self.control.run_command(user, channel, text)
        assert delivered.acked, f"not acked: {text!r}"
        return str((delivered.ack_payload or {}).get("text", ""))

    def incident(self, incident_id: str) -> Incident:
        found = self.store.get(incident_id)
        assert found is not None
        return found

    def reminders(self, clock: Clock) -> Reminders:
        """The reminders of this rig's settings, on `clock`."""
        return Reminders(
            self.store,
            self.audit,
            self.side.gateway,
            nudge_policy(self.settings),
            owner="test",
            clock=clock,
        )

    def drain(self) -> int:
        """Run every queued INCIDENT_RESOLVED event through the flow, as the processor does."""
        handler = IncidentResolvedHandler(self.flow)
        ran = 0
        for delivery in self.queue.receive(max_messages=10, wait_seconds=0):
            if delivery.message.event_type == EventType.INCIDENT_RESOLVED.value:
                handler(delivery.message)
                ran += 1
            self.queue.ack(delivery)
        return ran

    def messages(self, channel: str) -> list[dict[str, Any]]:
        return list(self.control.channel(channel)["messages"])

    def ephemerals(self, channel: str, user: str) -> list[str]:
        return [
            str(e.get("text", ""))
            for e in self.control.channel(channel)["ephemerals"]
            if e.get("to_user") == user
        ]

    def actions(self, incident_id: str) -> list[AuditAction]:
        return [e.action for e in self.audit.events(incident_id)]


@pytest.fixture(scope="module")
def rig(sandbox: SandboxSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ResolveRig]:
    folder: Path = tmp_path_factory.mktemp("resolve")
    settings = Settings(
        marshal_db_path=folder / "marshal.db",
        marshal_approvers=[APPROVER],
        marshal_archive_on_resolve=False,
    )
    store = build_store(settings)
    audit = build_audit_log(settings)
    queue = LocalQueue(SqliteDatabase(folder / "queue.db"))
    starter = ResolutionStarter(store, audit, queue, archive_on_resolve=False)

    def submit_alert(alert: Alert) -> Incident:
        raise AssertionError("no alert is declared in these tests")

    side = build_slack_side(
        settings, store, audit, build_web_client(sandbox.bot_token, sandbox.api_url)
    )
    gateway = side.gateway
    buttons = ResolutionButtons(store, starter, RatingRecorder(store, audit), side.permissions)
    running = start_slack_app(
        settings,
        store,
        audit,
        side,
        app_token=sandbox.app_token,
        features=SlackFeatures(submit_alert, actions=buttons.routes(), resolution=starter),
    )
    flow = ResolutionFlow(
        store,
        audit,
        gateway,
        PostmortemWriter(store, audit, gateway),
        MarkdownFileTracker(folder / "postmortems"),
        announce_channel=None,
        archive_on_resolve=False,
    )
    eventually(lambda: sandbox.hub.connection_count > 0)
    yield ResolveRig(
        SandboxControl(sandbox.url), settings, store, audit, queue, starter, side, flow
    )
    running.stop()
    queue.close()


def _alert_cleared(incident: Incident) -> QueueMessage:
    return QueueMessage(
        event_id=f"evt-clear-{incident.id}",
        event_type=EventType.ALERT_RESOLVED.value,
        incident_id=incident.id,
        payload={"source": "alertmanager"},
    )


def test_resolve_is_refused_for_someone_who_is_neither_ic_nor_approver(rig: ResolveRig) -> None:
    room = rig.room()
    assert room.channel_id
    refused = rig.run("U0BOB", room.channel_id, "resolve it is fine now")
    assert refused.startswith("Sorry, you may not resolve this incident")
    assert f"<@{IC}>" in refused
    assert rig.incident(room.id).status is IncidentStatus.INVESTIGATING
    assert rig.drain() == 0  # nothing was queued
    denied = [e for e in rig.audit.events(room.id) if e.action is AuditAction.PERMISSION_DENIED]
    assert [(e.actor, e.details["subcommand"]) for e in denied] == [("U0BOB", "resolve")]
    # the approver may, and the room hears it
    accepted = rig.run(APPROVER, room.channel_id, "resolve rolled back")
    assert accepted.startswith(f"<@{APPROVER}> resolved the incident")
    stored = rig.incident(room.id)
    assert stored.status is IncidentStatus.RESOLVED and stored.resolved_by == APPROVER
    assert stored.resolution_summary == "rolled back"
    assert rig.drain() == 1


def test_a_cleared_alert_offers_the_button_and_pressing_it_resolves(rig: ResolveRig) -> None:
    room = rig.room()
    channel = room.channel_id
    assert channel
    handler = AlertResolvedHandler(
        rig.store, rig.side.gateway, command="/marshal", resolver=rig.starter
    )
    handler(_alert_cleared(room))
    assert rig.incident(room.id).is_open  # a human decides
    [prompt] = [m for m in rig.messages(channel) if "alert cleared" in str(m.get("text"))]
    assert f"<@{IC}>" in prompt["text"] and "alertmanager" in prompt["text"]
    [button] = [
        e
        for block in prompt.get("blocks", [])
        for e in block.get("elements", [])
        if e.get("action_id") == ActionId.RESOLVE_INCIDENT.value
    ]
    assert button["value"] == room.id

    # someone without the right is told so, and nothing changes
    rig.control.press_button(
        "U0BOB", channel, prompt["ts"], ActionId.RESOLVE_INCIDENT.value, value=room.id
    )
    eventually(lambda: any("may not resolve" in t for t in rig.ephemerals(channel, "U0BOB")))
    assert rig.incident(room.id).is_open

    pressed = rig.control.press_button(
        IC, channel, prompt["ts"], ActionId.RESOLVE_INCIDENT.value, value=room.id
    )
    assert pressed.acked
    eventually(lambda: rig.incident(room.id).status is IncidentStatus.RESOLVED)
    assert rig.incident(room.id).resolved_by == IC
    eventually(lambda: any(t.startswith("Resolved.") for t in rig.ephemerals(channel, IC)))
    # a second press (a late click, before the flow retired the button) does nothing
    rig.control.press_button(
        IC, channel, prompt["ts"], ActionId.RESOLVE_INCIDENT.value, value=room.id
    )
    eventually(lambda: any("is resolved, so this button" in t for t in rig.ephemerals(channel, IC)))
    assert rig.drain() == 1
    texts = [str(m.get("text")) for m in rig.messages(channel)]
    assert any(f"resolved by <@{IC}>" in t for t in texts)
    assert any(t.startswith(":memo: Postmortem written") for t in texts)
    assert rig.actions(room.id).count(AuditAction.RESOLVED) == 1
    # the flow replaced the button with a resolved note
    [retired] = [m for m in rig.messages(channel) if m["ts"] == prompt["ts"]]
    assert ActionId.RESOLVE_INCIDENT.value not in str(retired["blocks"])
    assert f"reopen {room.id}" in str(retired["blocks"])


def test_auto_resolve_resolves_at_once_when_the_alert_clears(rig: ResolveRig) -> None:
    room = rig.room()
    assert room.channel_id
    handler = AlertResolvedHandler(
        rig.store, rig.side.gateway, command="/marshal", resolver=rig.starter, auto_resolve=True
    )
    handler(_alert_cleared(room))
    stored = rig.incident(room.id)
    assert stored.status is IncidentStatus.RESOLVED and stored.resolved_by == "marshal"
    assert stored.resolution_summary == "The alert cleared at its source (alertmanager)."
    assert rig.drain() == 1
    texts = [str(m.get("text")) for m in rig.messages(room.channel_id)]
    assert not any("resolve the incident with the button" in t for t in texts)
    assert any("resolved by marshal" in t for t in texts)
    handler(_alert_cleared(room))  # redelivered: already resolved, nothing more
    assert rig.actions(room.id).count(AuditAction.RESOLVED) == 1


def test_rating_buttons_keep_one_vote_per_user(rig: ResolveRig) -> None:
    room = rig.room()
    channel = room.channel_id
    assert channel
    rig.run(IC, channel, "resolve")
    assert rig.drain() == 1
    [rating] = [m for m in rig.messages(channel) if "Rate it 1-5" in str(m.get("text"))]
    buttons = {
        e["action_id"]: e["value"]
        for block in rating.get("blocks", [])
        for e in block.get("elements", [])
        if str(e.get("action_id", "")).startswith("marshal.incident.rate.")
    }
    assert sorted(buttons) == [f"marshal.incident.rate.{n}" for n in range(1, 6)]

    def press(user: str, score: int) -> None:
        action_id = f"marshal.incident.rate.{score}"
        assert rig.control.press_button(
            user, channel, rating["ts"], action_id, value=buttons[action_id]
        ).acked

    press("U0BOB", 4)
    eventually(lambda: rig.incident(room.id).ratings == {"U0BOB": 4})
    eventually(lambda: any("from 1 person)" in t for t in rig.ephemerals(channel, "U0BOB")))
    press("U0BOB", 2)
    eventually(lambda: rig.incident(room.id).ratings == {"U0BOB": 2})
    press("U0CAROL", 5)
    eventually(lambda: rig.incident(room.id).ratings == {"U0BOB": 2, "U0CAROL": 5})
    eventually(
        lambda: any("average 3.5 from 2 people" in t for t in rig.ephemerals(channel, "U0CAROL"))
    )
    votes = [
        (e.details["user"], e.details["score"], e.details["previous"])
        for e in rig.audit.events(room.id)
        if e.action is AuditAction.RATING_RECORDED
    ]
    assert votes == [("U0BOB", 4, None), ("U0BOB", 2, 4), ("U0CAROL", 5, None)]


def test_postmortem_done_in_the_room_stops_the_postmortem_reminder(rig: ResolveRig) -> None:
    room = rig.room()
    channel = room.channel_id
    assert channel
    early = rig.run(IC, channel, "postmortem done")
    assert "resolve it before marking" in early
    rig.run(IC, channel, "resolve")
    assert rig.drain() == 1
    resolved_at = rig.incident(room.id).resolved_at
    assert resolved_at is not None
    due_after = rig.settings.marshal_reminder_postmortem_due
    clock = Clock(resolved_at + timedelta(seconds=due_after + 60))
    reminders = rig.reminders(clock)
    assert reminders.postmortem_due(room.id, 1) is ReminderOutcome.SENT
    [reminder] = [
        str(m.get("text")) for m in rig.messages(channel) if "not marked done" in str(m.get("text"))
    ]
    assert f"`/marshal postmortem done {room.id}`" in reminder

    refused = rig.run("U0BOB", channel, "postmortem done")
    assert refused.startswith("Sorry, you may not mark the postmortem done")
    assert rig.incident(room.id).postmortem_done_at is None
    assert "usage" in rig.run(IC, channel, "postmortem finished").lower()

    done = rig.run(IC, channel, "postmortem done")
    assert done.startswith(f"<@{IC}> marked the postmortem of *checkout errors* done")
    stored = rig.incident(room.id)
    assert stored.postmortem_done_at is not None
    again = rig.run(APPROVER, channel, "postmortem done")
    assert "already marked done" in again

    clock.advance(due_after)
    assert reminders.postmortem_due(room.id, 2) is ReminderOutcome.NOT_DUE
    assert next_postmortem_check(stored, due_after, clock()) is None
    reminders_posted = [m for m in rig.messages(channel) if "not marked done" in str(m.get("text"))]
    assert len(reminders_posted) == 1
    events = rig.audit.events(room.id)
    assert [e.actor for e in events if e.action is AuditAction.POSTMORTEM_DONE] == [IC]
    denied = [e for e in events if e.action is AuditAction.PERMISSION_DENIED]
    assert [(e.actor, e.details["subcommand"]) for e in denied] == [("U0BOB", "postmortem")]


def test_postmortem_done_by_id_from_outside_an_archived_room(rig: ResolveRig) -> None:
    room = rig.room()
    assert room.channel_id
    rig.run(IC, room.channel_id, "resolve")
    assert rig.drain() == 1
    rig.side.gateway.archive(room.channel_id)
    nothing = rig.run(IC, "C0INCIDENTS", "postmortem done")
    assert "Name the incident" in nothing
    unknown = rig.run(IC, "C0INCIDENTS", "postmortem done inc-nosuch")
    assert "Name the incident" in unknown
    refused = rig.run("U0CAROL", "C0INCIDENTS", f"postmortem done {room.id}")
    assert refused.startswith("Sorry, you may not mark the postmortem done")
    assert "resolve" not in refused  # the reason names what was refused
    denied = [e for e in rig.audit.events(room.id) if e.action is AuditAction.PERMISSION_DENIED]
    assert [e.actor for e in denied] == ["U0CAROL"]  # on the incident's chain, not workspace

    done = rig.run(APPROVER, "C0INCIDENTS", f"postmortem done {room.id}")
    assert "done; no more postmortem reminders" in done
    assert rig.incident(room.id).postmortem_done_at is not None
    assert rig.actions(room.id).count(AuditAction.POSTMORTEM_DONE) == 1


def test_the_postmortem_reminder_goes_to_the_ic_by_dm_once_the_room_is_archived(
    rig: ResolveRig,
) -> None:
    room = rig.room()
    channel = room.channel_id
    assert channel
    rig.run(IC, channel, "resolve")
    assert rig.drain() == 1
    rig.side.gateway.archive(channel)  # as the flow does when MARSHAL_ARCHIVE_ON_RESOLVE
    resolved_at = rig.incident(room.id).resolved_at
    assert resolved_at is not None
    clock = Clock(resolved_at + timedelta(seconds=rig.settings.marshal_reminder_postmortem_due))
    reminders = rig.reminders(clock)
    assert reminders.postmortem_due(room.id, 1) is ReminderOutcome.SENT
    assert not [m for m in rig.messages(channel) if "not marked done" in str(m.get("text"))]
    dms = [
        c
        for c in rig.control.calls("chat.postMessage")
        if f"postmortem done {room.id}" in str(c) and channel not in str(c)
    ]
    assert len(dms) == 1
    [sent] = [e for e in rig.audit.events(room.id) if e.action is AuditAction.REMINDER_SENT]
    assert sent.details["delivered"] is True and sent.details["dm_to"] == [IC]


def test_reopen_by_id_from_any_channel_unarchives_the_room(rig: ResolveRig) -> None:
    room = rig.room()
    assert room.channel_id
    rig.run(IC, room.channel_id, "resolve")
    assert rig.drain() == 1
    rig.side.gateway.archive(room.channel_id)

    unknown = rig.run(IC, "C0INCIDENTS", "reopen inc-nosuch")
    assert "No incident `inc-nosuch`" in unknown
    refused = rig.run("U0CAROL", "C0INCIDENTS", f"reopen {room.id}")
    assert refused.startswith("Sorry, you may not reopen this incident")
    assert rig.incident(room.id).status is IncidentStatus.RESOLVED

    reopened = rig.run(IC, "C0INCIDENTS", f"reopen {room.id}")

    assert "reopened the incident" in reopened and f"<#{room.channel_id}>" in reopened
    assert rig.incident(room.id).status is IncidentStatus.INVESTIGATING
    assert not rig.control.channel(room.channel_id).get("is_archived")
    # the room takes commands again
    assert "acknowledged" in rig.run(IC, room.channel_id, "ack")
    actions = rig.actions(room.id)
    assert AuditAction.ROOM_UNARCHIVED in actions and AuditAction.REOPENED in actions
