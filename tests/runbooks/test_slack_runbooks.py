"""Runbooks through the real Bolt app and the sandbox Slack over sockets: `/marshal runbook`
lists the room's runbooks, `/marshal run` posts a preview with Confirm / Cancel, Confirm runs
it once against the fake target (the room's timeline gets the change marker), a changed
target shows a new preview instead, Cancel uses the token up, a failed run alerts the room
and the announce channel."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore
from bot.sandbox.control_client import SandboxControl, SandboxControlError
from bot.sandbox.server import SandboxSlack
from bot.services.operations.policy import OperationRefused
from bot.services.postmortem.render import PostmortemFacts, render_deterministic
from bot.services.postmortem.timeline import build_evidence
from bot.settings import Settings
from bot.slack.gateway import build_web_client
from bot.slack.runbook_actions import RunbookButtons
from bot.slack.vocabulary import ActionId
from bot.slack.wiring import RunningSlack
from bot.wiring.operations import Operations, build_operations
from bot.wiring.slack import SlackFeatures, SlackSide, build_slack_side, start_slack_app
from bot.wiring.stores import build_audit_log, build_store
from tests.eventually import eventually
from tests.runbooks.catalog_files import http_catalog
from tests.runbooks.target import FakeTarget

ALICE, BOB = "U0ALICE", "U0BOB"
_rooms = itertools.count(1)


@dataclass
class SlackRig:
    control: SandboxControl
    store: IncidentStore
    audit: AuditLog
    side: SlackSide
    slack: RunningSlack
    operations: Operations
    target: FakeTarget
    announce: str

    def room(self, service: str = "checkout") -> tuple[Incident, str]:
        channel = self.side.gateway.create_private_channel(f"inc-runbook-{next(_rooms)}")
        self.side.gateway.invite(channel.id, [ALICE, BOB])
        incident, _ = self.store.create_if_absent(
            Incident(
                source=AlertSource.GENERIC,
                group_key=f"rb:{channel.id}",
                title="checkout errors",
                severity=Severity.P2,
                service=service,
                channel_id=channel.id,
                channel_name=channel.name,
            )
        )
        return incident, channel.id

    def say(self, user: str, channel: str, text: str) -> str:
        delivered = self.control.run_command(user, channel, text)
        assert delivered.acked
        return str((delivered.ack_payload or {}).get("text", ""))

    def messages(self, channel: str) -> list[dict[str, Any]]:
        return list(self.control.channel(channel)["messages"])

    def preview_message(self, channel: str) -> dict[str, Any]:
        eventually(lambda: any(_token(m) for m in self.messages(channel)))
        return [m for m in self.messages(channel) if _token(m)][-1]

    def ephemerals(self, channel: str, user: str) -> list[str]:
        return [
            str(e.get("text", ""))
            for e in self.control.channel(channel)["ephemerals"]
            if e.get("to_user") == user
        ]

    def click(self, user: str, channel: str, message: dict[str, Any]) -> None:
        _click(self, user, channel, message)

    def press(self, user: str, channel: str, message: dict[str, Any], action: ActionId) -> None:
        token = _token(message)
        assert token
        assert self.control.press_button(
            user, channel, str(message["ts"]), action.value, value=token
        ).acked


def _click(rig: SlackRig, user: str, channel: str, message: dict[str, Any]) -> None:
    try:
        rig.press(user, channel, message, ActionId.RUNBOOK_CONFIRM)
    except SandboxControlError as exc:
        assert exc.status == 404  # the message was updated already: the button is gone


def _token(message: dict[str, Any]) -> str | None:
    for block in message.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == ActionId.RUNBOOK_CONFIRM.value:
                return str(element["value"])
    return None


@pytest.fixture(scope="module")
def rig(sandbox: SandboxSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlackRig]:
    folder: Path = tmp_path_factory.mktemp("runbooks")
    target = FakeTarget()
    target.start()
    catalog = folder / "runbooks.yaml"
    catalog.write_text(http_catalog(target.url, two_person=True))
    announce = SandboxControl(sandbox.url)
    settings = Settings(
        marshal_db_path=folder / "marshal.db",
        marshal_runbook_file=catalog,
        marshal_announce_channel="C0INCIDENTS",
    )
    store = build_store(settings)
    audit = build_audit_log(settings)
    side = build_slack_side(
        settings, store, audit, build_web_client(sandbox.bot_token, sandbox.api_url)
    )
    operations = build_operations(settings, audit, store, side.gateway)
    buttons = RunbookButtons(operations.confirmation, side.gateway)
    features = SlackFeatures(
        lambda alert: store.create_if_absent(Incident.from_alert(alert))[0],
        actions=buttons.routes(),
        operations=operations.previews,
    )
    running = start_slack_app(
        settings, store, audit, side, app_token=sandbox.app_token, features=features
    )
    eventually(lambda: sandbox.hub.connection_count > 0)
    yield SlackRig(announce, store, audit, side, running, operations, target, "C0INCIDENTS")
    running.stop()
    target.stop()


def test_runbook_lists_the_rooms_runbooks(rig: SlackRig) -> None:
    _, channel = rig.room("checkout")
    text = rig.say(ALICE, channel, "runbook")
    assert "restart-checkout" in text and "flush-search" not in text
    assert "two-person" in text


def test_run_posts_a_preview_and_confirm_runs_it_once(rig: SlackRig) -> None:
    incident, channel = rig.room()
    before = len(rig.target.executes())
    reply = rig.say(ALICE, channel, "run restart-checkout cluster=eu --reason INCIDENT 5xx spike")
    assert "posted" in reply
    preview = rig.preview_message(channel)
    assert "pod-1" in str(preview["blocks"]) and "INCIDENT" in str(preview["blocks"])

    rig.press(ALICE, channel, preview, ActionId.RUNBOOK_CONFIRM)  # two-person: refused
    eventually(lambda: any("second person" in t for t in rig.ephemerals(channel, ALICE)))
    clicks = [threading.Thread(target=rig.click, args=(BOB, channel, preview)) for _ in range(3)]
    for click in clicks:  # a triple click, before the message loses its buttons: one run
        click.start()
    for click in clicks:
        click.join()
    eventually(lambda: any("succeeded" in str(m.get("text")) for m in rig.messages(channel)))
    assert len(rig.target.executes()) == before + 1
    (run,) = [r for r in rig.operations.runs.list_runs() if r.incident_id == incident.id]
    assert run.scope == "service:checkout:eu" and run.confirmed_by == BOB
    actions = [e.action.value for e in rig.audit.events(incident.id)]
    for action in ("runbook.preflight", "runbook.start", "runbook.completed"):
        assert actions.count(action) == 1
    timeline = rig.store.list_timeline(incident.id)
    assert any(e.source_ref == f"change:run:{run.id}" for e in timeline)


def test_a_changed_target_shows_a_new_preview_and_runs_nothing(rig: SlackRig) -> None:
    _, channel = rig.room()
    before = len(rig.target.executes())
    rig.say(ALICE, channel, "run restart-checkout cluster=us")
    preview = rig.preview_message(channel)
    old = _token(preview)
    rig.target.targets = ["pod-7"]
    try:
        rig.press(BOB, channel, preview, ActionId.RUNBOOK_CONFIRM)
        eventually(lambda: _token(rig.preview_message(channel)) != old)
    finally:
        rig.target.targets = ["pod-1", "pod-2", "pod-3"]
    assert "changed since the last preview" in str(rig.preview_message(channel)["blocks"])
    assert len(rig.target.executes()) == before


def test_cancel_uses_the_preview_up(rig: SlackRig) -> None:
    incident, channel = rig.room()
    rig.say(ALICE, channel, "run restart-checkout cluster=ap")
    preview = rig.preview_message(channel)
    rig.press(ALICE, channel, preview, ActionId.RUNBOOK_CANCEL)
    eventually(lambda: any("cancelled by" in str(m.get("text")) for m in rig.messages(channel)))
    token = _token(preview)
    assert token
    assert rig.operations.runs.get_preview(token) is not None
    # the buttons are gone; the token is used up for the CLI too
    with pytest.raises(OperationRefused, match="cancelled by"):
        rig.operations.confirmation.confirm(token, BOB, "cli-key")
    assert "runbook.cancelled" in [e.action.value for e in rig.audit.events(incident.id)]


def test_a_failed_run_alerts_the_room_and_the_announce_channel(rig: SlackRig) -> None:
    _, channel = rig.room()
    rig.say(ALICE, channel, "run restart-checkout cluster=sa")
    preview = rig.preview_message(channel)
    rig.target.execute_status = 500
    try:
        rig.press(BOB, channel, preview, ActionId.RUNBOOK_CONFIRM)
        eventually(lambda: any("TARGET_ERROR" in str(m.get("text")) for m in rig.messages(channel)))
    finally:
        rig.target.execute_status = 200
    announced = [str(m.get("text")) for m in rig.messages(rig.announce)]
    assert any("TARGET_ERROR" in t and "restart-checkout" in t for t in announced)


def test_bad_run_input_is_a_clear_usage_reply(rig: SlackRig) -> None:
    _, channel = rig.room()
    assert "no runbook 'nope'" in rig.say(ALICE, channel, "run nope")
    assert "--reason needs a code" in rig.say(ALICE, channel, "run restart-checkout --reason X")
    assert "batch must be integer" in rig.say(ALICE, channel, "run restart-checkout batch=x")


def test_change_markers_and_runs_are_listed_in_the_postmortem(rig: SlackRig) -> None:
    incident, channel = rig.room()
    reply = rig.say(BOB, channel, "change deploy-4711 https://ci.example/builds/4711")
    assert "attached change" in reply
    assert "url must be an http" in rig.say(BOB, channel, "change cfg-9 ftp://x")
    assert "not an incident war room" in rig.say(BOB, "C0INCIDENTS", "change deploy-1")
    rig.say(ALICE, channel, "run restart-checkout cluster=ca")
    preview = rig.preview_message(channel)
    rig.press(BOB, channel, preview, ActionId.RUNBOOK_CONFIRM)
    eventually(lambda: any("succeeded" in str(m.get("text")) for m in rig.messages(channel)))

    evidence = build_evidence(
        audit_events=rig.audit.events(incident.id),
        timeline=rig.store.list_timeline(incident.id),
        messages=[],
        changes=[],
    )
    stored = rig.store.get(incident.id)
    assert stored is not None
    markdown = render_deterministic(PostmortemFacts(stored, evidence, []))
    changes = markdown.split("## Changes")[1].split("##")[0]
    assert "Change: deploy-4711 https://ci.example/builds/4711" in changes
    assert "runbook restart-checkout run run-" in changes
    assert "change.marked" in [e.action.value for e in rig.audit.events(incident.id)]
