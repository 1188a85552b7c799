"""Silence / unsilence commands, the nudge's buttons and the Post update modal, driven
through the real Bolt app over Socket Mode against the sandbox Slack."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.audit import AuditAction
from bot.domain.models import Alert, Incident, TimelineKind
from bot.sandbox.control_client import SandboxControl
from bot.services.nudges.scheduler import NudgeOutcome
from bot.slack.nudge_routes import NudgeRoutes
from bot.slack.vocabulary import ActionId, InputId, ViewId
from bot.slack.wiring import RunningSlack
from bot.wiring.nudges import NudgeStack, build_nudges
from bot.wiring.slack import SlackFeatures
from tests.eventually import eventually
from tests.nudges.conftest import Rig
from tests.nudges.test_scheduler import due, planned_slot
from tests.slack.conftest import start_sandbox_slack


def no_declare(alert: Alert) -> Incident:
    raise AssertionError(f"declare is not part of these tests ({alert.title})")


@pytest.fixture
def app(rig: Rig) -> Iterator[tuple[NudgeStack, RunningSlack, SandboxControl]]:
    stack = build_nudges(rig.settings, rig.store, rig.audit, rig.slack, rig.queue, clock=rig.clock)
    routes = NudgeRoutes(stack.interactions)
    _, running = start_sandbox_slack(
        rig.sandbox,
        rig.settings,
        rig.store,
        rig.audit,
        SlackFeatures(
            no_declare, actions=routes.actions(), views=routes.views(), silence=stack.silence
        ),
    )
    yield stack, running, SandboxControl(rig.sandbox.url)
    running.stop()
    stack.scheduler.stop()


def test_silence_and_unsilence_commands(
    rig: Rig, app: tuple[NudgeStack, RunningSlack, SandboxControl]
) -> None:
    stack, _, control = app
    channel = rig.incident.channel_id
    assert channel
    stack.scheduler.rebuild()
    assert planned_slot(stack.scheduler, rig) == 1

    reply = control.run_command("U0BOB", channel, "silence 2h")
    assert rig.reload().silenced_until == rig.clock() + timedelta(hours=2)
    assert planned_slot(stack.scheduler, rig) == 3
    assert "paused status-update nudges for 2h" in str(reply.ack_payload)

    control.run_command("U0ALICE", channel, "unsilence")
    assert rig.reload().silenced_until is None
    assert planned_slot(stack.scheduler, rig) == 1
    assert [
        e.actor
        for e in rig.audit.events(rig.incident.id)
        if e.action in {AuditAction.NUDGES_SILENCED, AuditAction.NUDGES_UNSILENCED}
    ] == ["U0BOB", "U0ALICE"]

    bad = control.run_command("U0BOB", channel, "silence forever")
    assert "not a duration" in str(bad.ack_payload)
    assert rig.reload().silenced_until is None


def nudge_ts(rig: Rig) -> str:
    [message] = [m for m in rig.messages() if m.get("bot_id") and m.get("blocks")]
    return str(message["ts"])


def test_silence_button_on_a_nudge(
    rig: Rig, app: tuple[NudgeStack, RunningSlack, SandboxControl]
) -> None:
    stack, _, control = app
    channel = rig.incident.channel_id
    assert channel
    rig.clock.now = due(rig, 1)
    assert stack.scheduler.run_nudge(rig.incident.id, 1) is NudgeOutcome.SENT
    control.press_button(
        "U0BOB", channel, nudge_ts(rig), ActionId.NUDGE_SILENCE.value, value=rig.incident.id
    )
    eventually(
        lambda: rig.reload().silenced_until is not None, message="the button silenced nudges"
    )
    assert rig.reload().silenced_until == rig.clock() + timedelta(minutes=30)
    eventually(
        lambda: any("<@U0BOB> paused status-update nudges for 30m" in t for t in rig.bot_texts()),
        message="the room was told",
    )


def test_post_update_button_opens_the_modal_and_records_the_update(
    rig: Rig, app: tuple[NudgeStack, RunningSlack, SandboxControl]
) -> None:
    stack, _, control = app
    channel = rig.incident.channel_id
    assert channel
    rig.clock.now = due(rig, 1)
    stack.scheduler.run_nudge(rig.incident.id, 1)
    control.press_button(
        "U0ALICE", channel, nudge_ts(rig), ActionId.NUDGE_POST_UPDATE.value, value=rig.incident.id
    )

    def modal() -> dict[str, Any] | None:
        views = [
            v
            for v in control.state()["views"]
            if v.get("callback_id") == ViewId.NUDGE_STATUS_UPDATE.value
            and v.get("private_metadata") == rig.incident.id
        ]
        return views[-1] if views else None

    eventually(lambda: modal() is not None, message="the Post update modal opened")
    view = modal()
    assert view is not None
    field = InputId.STATUS_UPDATE_TEXT.value
    rejected = control.submit_view(
        "U0ALICE", view["id"], {field: {field: {"type": "plain_text_input", "value": " "}}}
    )
    assert rejected.ack_payload == {
        "response_action": "errors",
        "errors": {field: "Write the update first."},
    }
    accepted = control.submit_view(
        "U0ALICE",
        view["id"],
        {field: {field: {"type": "plain_text_input", "value": "Rolled back; errors at baseline"}}},
    )
    assert accepted.acked
    [entry] = rig.store.list_timeline(rig.incident.id)
    assert (entry.kind, entry.author, entry.text) == (
        TimelineKind.STATUS_UPDATE,
        "U0ALICE",
        "Rolled back; errors at baseline",
    )
    assert rig.reload().last_status_update_at == rig.clock()
