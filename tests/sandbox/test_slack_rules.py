"""Slack's rules that marshal can run into, enforced by the sandbox as Slack enforces them."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.control_client import SandboxControlError
from bot.sandbox.server import SandboxSlack
from tests.sandbox.conftest import BoltHarness


def test_posting_to_a_public_channel_the_app_is_not_in_fails_until_it_joins(
    web: WebClient, sandbox: SandboxSlack
) -> None:
    lobby = sandbox.workspace.create_channel("rules-lobby", is_private=False, creator="U0ALICE")
    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel=lobby.id, text="hello")
    assert raised.value.response["error"] == "not_in_channel"
    assert sandbox.workspace.channel(lobby.id).messages == []

    web.conversations_join(channel=lobby.id)
    assert web.chat_postMessage(channel=lobby.id, text="hello")["ok"]


def test_an_archived_channel_refuses_posts_and_slash_commands(
    web: WebClient, bolt: BoltHarness
) -> None:
    room = web.conversations_create(name="rules-archived", is_private=True)["channel"]["id"]
    web.conversations_invite(channel=room, users=["U0ALICE"])
    web.conversations_archive(channel=room)
    delivered = len(bolt.control.deliveries())

    with pytest.raises(SlackApiError) as raised:
        web.chat_postMessage(channel=room, text="too late")
    assert raised.value.response["error"] == "is_archived"
    with pytest.raises(SandboxControlError) as refused:
        bolt.control.run_command("U0ALICE", room, "ping")
    assert (refused.value.status, refused.value.error) == (400, "is_archived")
    assert len(bolt.control.deliveries()) == delivered  # never reached the app


def test_slash_command_text_arrives_escaped_as_slack_sends_it(bolt: BoltHarness) -> None:
    typed = "role ic @alice & @oncall in #incidents, mail bob@example.com, @nobody <@U0BOB> @here."
    result = bolt.control.run_command("U0CAROL", "C0INCIDENTS", typed)

    assert result.ack_payload == {
        "text": "pong: role ic <@U0ALICE|alice> &amp; <!subteam^S0ONCALL|@oncall> in "
        "<#C0INCIDENTS|incidents>, mail <mailto:bob@example.com|bob@example.com>, @nobody "
        "<@U0BOB> <!here>."
    }


def test_a_literal_angle_bracket_is_an_entity_not_markup(bolt: BoltHarness) -> None:
    result = bolt.control.run_command("U0CAROL", "C0TRIAGE", "note a<b> <!channel>")
    assert result.ack_payload == {"text": "pong: note a&lt;b&gt; &lt;!channel&gt;"}
