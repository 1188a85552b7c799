"""ROOM_MESSAGE: a console action's text reaches the room once, through the real sandbox Slack."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.events.room_message import room_message
from bot.ports.queue import EventType, QueueMessage
from bot.sandbox.server import SandboxSlack
from bot.slack.gateway import WebClientSlackGateway, build_web_client


def test_the_text_is_posted_in_the_room_once_however_often_it_is_delivered(
    tmp_path: Path, sandbox: SandboxSlack
) -> None:
    slack = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    room = slack.create_private_channel("inc-console-room")
    handler = room_message(slack, SqliteIncidentStore(SqliteDatabase(tmp_path / "m.db")))
    message = QueueMessage(
        event_id="room-1",
        event_type=EventType.ROOM_MESSAGE,
        incident_id="inc-1",
        payload={"channel_id": room.id, "text": "<@U0ALICE> acknowledged the incident"},
    )
    handler(message)
    handler(message)  # a redelivery
    texts = [m.get("text") for m in slack.history(room.id)]
    assert texts.count("<@U0ALICE> acknowledged the incident") == 1


def test_a_message_without_channel_or_text_goes_to_the_dead_letters(tmp_path: Path) -> None:
    store = SqliteIncidentStore(SqliteDatabase(tmp_path / "m.db"))
    handler = room_message(
        WebClientSlackGateway(build_web_client("xoxb-x", "http://127.0.0.1:9/")), store
    )
    with pytest.raises(ValueError, match="no channel or text"):
        handler(QueueMessage(event_id="r", event_type="ROOM_MESSAGE", incident_id="i", payload={}))
