"""A real Bolt app over real Socket Mode: slash commands, buttons, reactions, drops, redelivery."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient
from websockets.sync.client import connect

from bot.sandbox.control_client import SandboxControl, SandboxControlError
from bot.sandbox.server import SandboxSlack
from tests.sandbox.conftest import BoltHarness

ACK_BUTTON = {
    "type": "actions",
    "block_id": "incident-actions",
    "elements": [
        {
            "type": "button",
            "action_id": "ack_incident",
            "text": {"type": "plain_text", "text": "Acknowledge"},
            "value": "INC-42",
            "style": "primary",
        }
    ],
}


def _ephemerals_for(control: SandboxControl, channel: str, user: str) -> list[dict[str, Any]]:
    return [e for e in control.channel(channel)["ephemerals"] if e["to_user"] == user]


def test_slash_command_ack_comes_back_and_shows_as_ephemeral(bolt: BoltHarness) -> None:
    result = bolt.control.run_command("U0ALICE", "C0INCIDENTS", "ping 1")

    assert result.acked
    assert result.ack_payload == {"text": "pong: ping 1"}
    assert result.ack_ms is not None
    assert result.ack_ms >= 0
    texts = [e["text"] for e in _ephemerals_for(bolt.control, "incidents", "U0ALICE")]
    assert "pong: ping 1" in texts


def test_button_press_carries_the_stored_message_and_respond_replaces_it(
    bolt: BoltHarness, sandbox: SandboxSlack
) -> None:
    posted = bolt.client.chat_postMessage(
        channel="C0INCIDENTS", text="INC-42 opened", blocks=[ACK_BUTTON]
    )

    result = bolt.control.press_button("U0BOB", "C0INCIDENTS", posted["ts"], "ack_incident")

    assert result.acked
    body = bolt.actions.get(timeout=5)
    assert body["type"] == "block_actions"
    assert body["user"]["id"] == "U0BOB"
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C0INCIDENTS",
        "is_ephemeral": False,
    }
    assert body["message"]["blocks"] == [ACK_BUTTON]
    assert body["actions"][0]["value"] == "INC-42"
    assert body["actions"][0]["block_id"] == "incident-actions"
    assert body["response_url"].startswith(f"{sandbox.url}/response/")
    history = bolt.client.conversations_history(channel="C0INCIDENTS", limit=5)
    replaced = next(m for m in history["messages"] if m["ts"] == posted["ts"])
    assert replaced["text"] == "acknowledged by <@U0BOB>"


def test_pressing_a_button_on_an_unknown_message_is_a_404(bolt: BoltHarness) -> None:
    with pytest.raises(SandboxControlError) as raised:
        bolt.control.press_button("U0BOB", "C0INCIDENTS", "1.000001", "ack_incident")
    assert raised.value.status == 404
    assert raised.value.error == "message_not_found"


def test_modal_opened_from_a_command_is_submitted_with_state_values(bolt: BoltHarness) -> None:
    bolt.control.run_command("U0ALICE", "C0INCIDENTS", "declare")
    views = [v for v in bolt.control.state()["views"] if v["callback_id"] == "declare"]
    assert views
    view_id = views[-1]["id"]

    rejected = bolt.control.submit_view(
        "U0ALICE", view_id, {"title": {"title_input": {"type": "plain_text_input", "value": " "}}}
    )
    accepted = bolt.control.submit_view(
        "U0ALICE",
        view_id,
        {"title": {"title_input": {"type": "plain_text_input", "value": "Checkout down"}}},
    )

    assert rejected.ack_payload == {
        "response_action": "errors",
        "errors": {"title": "A title, please"},
    }
    assert accepted.acked
    submitted = bolt.actions.get(timeout=5)
    assert submitted["id"] == view_id
    assert submitted["state"]["values"]["title"]["title_input"]["value"] == "Checkout down"


def test_response_url_posts_in_channel_and_deletes_the_original(
    bolt: BoltHarness, sandbox: SandboxSlack
) -> None:
    command = bolt.control.run_command("U0BOB", "C0TRIAGE", "hello")
    response_url = command.raw["response_url"]
    posted = WebhookClient(response_url).send(text="for everyone", response_type="in_channel")
    assert posted.status_code == 200
    message = bolt.client.conversations_history(channel="C0TRIAGE", limit=1)["messages"][0]
    assert message["text"] == "for everyone"

    button = bolt.client.chat_postMessage(channel="C0TRIAGE", text="x", blocks=[ACK_BUTTON])
    press = bolt.control.press_button("U0BOB", "C0TRIAGE", button["ts"], "ack_incident")
    bolt.actions.get(timeout=5)
    deleted = WebhookClient(press.raw["response_url"]).send_dict({"delete_original": True})

    assert deleted.status_code == 200
    remaining = bolt.client.conversations_history(channel="C0TRIAGE", limit=5)["messages"]
    assert button["ts"] not in [m["ts"] for m in remaining]
    assert WebhookClient(f"{sandbox.url}/response/nope").send(text="x").status_code == 404


def test_user_reaction_is_delivered_as_an_event(bolt: BoltHarness) -> None:
    posted = bolt.client.chat_postMessage(channel="C0INCIDENTS", text="timeline me")

    delivered = bolt.control.react("U0CAROL", "C0INCIDENTS", posted["ts"], "pushpin")

    assert delivered is not None
    assert delivered.acked
    event = bolt.events.get(timeout=5)
    assert event["type"] == "reaction_added"
    assert event["user"] == "U0CAROL"
    assert event["reaction"] == "pushpin"
    assert event["item"] == {"type": "message", "channel": "C0INCIDENTS", "ts": posted["ts"]}
    assert event["item_user"] == "U0MARSHAL"


def test_bot_reactions_through_the_web_api_emit_events_too(
    bolt: BoltHarness, sandbox: SandboxSlack
) -> None:
    posted = bolt.client.chat_postMessage(channel="C0TRIAGE", text="seen")

    bolt.client.reactions_add(channel="C0TRIAGE", timestamp=posted["ts"], name="eyes")

    reactions = bolt.client.conversations_history(channel="C0TRIAGE", limit=1)["messages"][0]
    assert reactions["reactions"] == [{"name": "eyes", "users": ["U0MARSHAL"], "count": 1}]
    sent = [
        d
        for d in sandbox.deliveries()
        if d.type == "events_api" and d.payload["event"].get("reaction") == "eyes"
    ]
    # Bolt ignores its own events, but Slack (and the sandbox) still sends them.
    assert sent
    assert sent[0].payload["event"]["user"] == "U0MARSHAL"


def test_app_reconnects_after_the_sandbox_drops_its_connection(
    bolt: BoltHarness, sandbox: SandboxSlack
) -> None:
    opened_before = len(sandbox.calls("apps.connections.open"))

    assert sandbox.faults.drop_connections() >= 1

    result = bolt.control.run_command("U0DAVE", "C0TRIAGE", "after drop")
    assert result.ack_payload == {"text": "pong: after drop"}
    assert len(sandbox.calls("apps.connections.open")) > opened_before


def test_unacked_events_time_out_and_are_redelivered_once() -> None:
    with SandboxSlack(ack_timeout=0.2) as slack:
        web = WebClient(token=slack.bot_token, base_url=slack.api_url)
        ws_url = WebClient(token=slack.app_token, base_url=slack.api_url).apps_connections_open(
            app_token=slack.app_token
        )["url"]
        posted = web.chat_postMessage(channel="C0INCIDENTS", text="no one acks")
        with connect(ws_url) as socket:
            hello = json.loads(socket.recv(timeout=5))
            assert hello["type"] == "hello"

            delivered = SandboxControl(slack.url).react(
                "U0ALICE", "C0INCIDENTS", posted["ts"], "fire"
            )
            first = json.loads(socket.recv(timeout=5))
            retry = json.loads(socket.recv(timeout=5))

        assert delivered is not None
        assert not delivered.acked
        assert first["type"] == "events_api"
        assert first["retry_attempt"] == 0
        assert retry["retry_attempt"] == 1
        assert retry["retry_reason"] == "timeout"
        assert retry["payload"]["event_id"] == first["payload"]["event_id"]
        assert [d.retry_attempt for d in slack.deliveries()] == [0, 1]
        assert slack.deliveries()[0].timed_out
