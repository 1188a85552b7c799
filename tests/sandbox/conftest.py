"""A real Bolt app connected to the module's sandbox over Socket Mode (builtin client)."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient

from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack

DECLARE_VIEW = {
    "type": "modal",
    "callback_id": "declare",
    "title": {"type": "plain_text", "text": "Declare"},
    "submit": {"type": "plain_text", "text": "Declare"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "title_input"},
        }
    ],
}


@dataclass
class BoltHarness:
    app: App
    client: WebClient
    control: SandboxControl
    events: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    actions: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)


def _build_app(
    client: WebClient,
    harness_events: queue.Queue[dict[str, Any]],
    harness_actions: queue.Queue[dict[str, Any]],
) -> App:
    app = App(client=client)

    def on_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        if command["text"] == "declare":
            # Opened before the ack so a test sees the view once run_command returns.
            client.views_open(trigger_id=command["trigger_id"], view=DECLARE_VIEW)
            ack()
            return
        ack(text=f"pong: {command['text']}")

    def on_declare(ack: Ack, view: dict[str, Any]) -> None:
        title = view["state"]["values"]["title"]["title_input"]["value"]
        if not title.strip():
            ack(response_action="errors", errors={"title": "A title, please"})
            return
        ack()
        harness_actions.put(view)

    def on_ack_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        respond(replace_original=True, text=f"acknowledged by <@{body['user']['id']}>")
        harness_actions.put(body)  # after respond(), so a test that got the body sees its effect

    def on_reaction(event: dict[str, Any]) -> None:
        harness_events.put(event)

    app.command("/marshal")(on_command)
    app.action("ack_incident")(on_ack_button)
    app.event("reaction_added")(on_reaction)
    app.view("declare")(on_declare)
    return app


@pytest.fixture(scope="module")
def bolt(sandbox: SandboxSlack) -> Iterator[BoltHarness]:
    client = WebClient(token=sandbox.bot_token, base_url=sandbox.api_url)
    events: queue.Queue[dict[str, Any]] = queue.Queue()
    actions: queue.Queue[dict[str, Any]] = queue.Queue()
    app = _build_app(client, events, actions)
    handler = SocketModeHandler(app, sandbox.app_token)
    # the typed client under Bolt's unannotated handler.connect()/close(), as bot/slack/socket.py
    handler.client.connect()
    yield BoltHarness(app, client, SandboxControl(sandbox.url), events, actions)
    handler.client.close()


@pytest.fixture
def web(sandbox: SandboxSlack) -> WebClient:
    return WebClient(token=sandbox.bot_token, base_url=sandbox.api_url)


@pytest.fixture
def control(sandbox: SandboxSlack) -> SandboxControl:
    return SandboxControl(sandbox.url)
