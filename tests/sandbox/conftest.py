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

    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        ack(text=f"pong: {command['text']}")

    def on_ack_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        respond(replace_original=True, text=f"acknowledged by <@{body['user']['id']}>")
        harness_actions.put(body)  # after respond(), so a test that got the body sees its effect

    def on_reaction(event: dict[str, Any]) -> None:
        harness_events.put(event)

    app.command("/marshal")(on_command)
    app.action("ack_incident")(on_ack_button)
    app.event("reaction_added")(on_reaction)
    return app


@pytest.fixture(scope="module")
def bolt(sandbox: SandboxSlack) -> Iterator[BoltHarness]:
    client = WebClient(token=sandbox.bot_token, base_url=sandbox.api_url)
    events: queue.Queue[dict[str, Any]] = queue.Queue()
    actions: queue.Queue[dict[str, Any]] = queue.Queue()
    app = _build_app(client, events, actions)
    handler = SocketModeHandler(app, sandbox.app_token)
    handler.connect()
    yield BoltHarness(app, client, SandboxControl(sandbox.url), events, actions)
    handler.close()


@pytest.fixture
def web(sandbox: SandboxSlack) -> WebClient:
    return WebClient(token=sandbox.bot_token, base_url=sandbox.api_url)


@pytest.fixture
def control(sandbox: SandboxSlack) -> SandboxControl:
    return SandboxControl(sandbox.url)
