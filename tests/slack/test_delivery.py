"""Slack delivery guarantees: ack within 3 s however slow the work; redeliveries handled once."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.domain.models import TimelineKind
from bot.sandbox import payloads
from bot.slack.listeners import WORKING
from tests.eventually import eventually
from tests.slack.conftest import Harness


@pytest.mark.slow  # waits for the slow command to finish
def test_a_slow_command_is_acked_in_time_and_answers_via_response_url(harness: Harness) -> None:
    room = harness.war_room(members=("U0ALICE",))
    assert room.channel_id
    harness.sandbox.faults.set_latency(2.5, "conversations.invite")
    try:
        ack = harness.run("U0ALICE", room.channel_id, "invite <@U0BOB>")
    finally:
        harness.sandbox.faults.set_latency(0, "conversations.invite")
    assert ack["text"] == WORKING
    replies = eventually(
        lambda: [t for t in harness.ephemerals(room.channel_id or "", "U0ALICE") if "Invited" in t]
    )
    assert replies == ["Invited <@U0BOB>."]


def test_a_redelivered_envelope_runs_the_command_once(harness: Harness) -> None:
    room = harness.war_room()
    assert room.channel_id
    payload = payloads.slash_command(
        harness.sandbox.workspace,
        user_id="U0BOB",
        channel_id=room.channel_id,
        command="/marshal",
        text="note only once",
    )
    request = SocketModeRequest(
        type="slash_commands", envelope_id="env-redelivered-1", payload=payload
    )
    handler = harness.slack.runner.handler
    handler.handle(handler.client, request)
    handler.handle(handler.client, request)  # Slack re-sends the same envelope
    notes = [e for e in harness.store.list_timeline(room.id) if e.kind is TimelineKind.NOTE]
    assert [e.text for e in notes] == ["only once"]


def test_a_retried_event_is_handled_once(harness: Harness) -> None:
    room = harness.war_room()
    assert room.channel_id
    ts = harness.control.post_message("U0BOB", room.channel_id, "root cause: bad deploy")
    event = payloads.reaction_event(
        user_id="U0ALICE",
        name="pushpin",
        channel_id=room.channel_id,
        ts=ts,
        item_user="U0BOB",
        removed=False,
    )
    hub = harness.sandbox.hub
    assert hub.loop is not None
    for attempt in (0, 1):  # the original, then Slack's retry with the same event_id
        delivery = asyncio.run_coroutine_threadsafe(
            hub.deliver("events_api", event, accepts_response_payload=False, retry_attempt=attempt),
            hub.loop,
        ).result(timeout=10)
        assert delivery.acked
    eventually(lambda: harness.store.find_timeline_by_ref(room.id, ts))
    # the second delivery was acked but did nothing: still exactly one entry and one audit
    pinned = [e for e in harness.store.list_timeline(room.id) if e.source_ref == ts]
    assert len(pinned) == 1
