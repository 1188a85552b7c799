"""ROOM_MESSAGE: an operator write's notice reaches the room through the real sandbox Slack:
once per delivery storm, never lost to a failed post, reposted at most once after a crash."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.events.room_message import (
    LEASE_SECONDS,
    PostInProgress,
    RoomMessageHandler,
    room_message,
)
from bot.ports.queue import EventType, QueueMessage
from bot.ports.slack import SlackCallFailed
from bot.ports.store import Claims
from bot.sandbox.server import SandboxSlack
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from tests.contract.conftest import FakeClock


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


def _handler_on(
    tmp_path: Path, sandbox: SandboxSlack
) -> tuple[WebClientSlackGateway, SqliteIncidentStore, FakeClock, str]:
    slack = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    room = slack.create_private_channel(f"inc-{tmp_path.name[-20:].lower()}")
    clock = FakeClock()
    return (
        slack,
        SqliteIncidentStore(SqliteDatabase(tmp_path / "m.db"), clock=clock),
        clock,
        room.id,
    )


def _notice(channel: str, text: str, event_id: str = "room-2") -> QueueMessage:
    return QueueMessage(
        event_id=event_id,
        event_type=EventType.ROOM_MESSAGE,
        incident_id="inc-1",
        payload={"channel_id": channel, "text": text},
    )


def test_a_failed_post_is_not_lost_the_retry_after_the_lease_posts_it_once(
    tmp_path: Path, sandbox: SandboxSlack
) -> None:
    slack, store, clock, room = _handler_on(tmp_path, sandbox)
    handler = room_message(slack, store)
    message = _notice(room, "the note that must arrive")
    impatient = WebClientSlackGateway(
        build_web_client(sandbox.bot_token, sandbox.api_url, max_retries=0)
    )
    sandbox.faults.server_error("chat.postMessage", times=1, status=500)
    with pytest.raises(SlackCallFailed):
        room_message(impatient, store)(message)
    sandbox.faults.clear()
    with pytest.raises(PostInProgress):  # the failed worker's lease still holds
        handler(message)
    clock.advance(LEASE_SECONDS)
    handler(message)  # the consumer's later retry
    handler(message)  # and a duplicate delivery
    texts = [m.get("text") for m in slack.history(room)]
    assert texts.count("the note that must arrive") == 1


class _DiesAfterPosting:
    """The store's claims, but the process dies right after Slack accepted the post."""

    def __init__(self, claims: Claims) -> None:
        self._claims = claims

    def claimed(self, key: str) -> bool:
        return self._claims.claimed(key)

    def claim(self, key: str, owner: str, *, ttl_seconds: int | None = None) -> bool:
        if not key.endswith(":lease"):
            raise SystemExit("killed between the post and its record")
        return self._claims.claim(key, owner, ttl_seconds=ttl_seconds)


def test_a_crash_between_post_and_record_reposts_once_after_the_lease(
    tmp_path: Path, sandbox: SandboxSlack
) -> None:
    slack, store, clock, room = _handler_on(tmp_path, sandbox)
    message = _notice(room, "posted before the crash")
    with pytest.raises(SystemExit):
        room_message(slack, _DiesAfterPosting(store))(message)
    restarted = room_message(slack, store)
    with pytest.raises(PostInProgress):
        restarted(message)
    clock.advance(LEASE_SECONDS)
    restarted(message)
    restarted(message)
    texts = [m.get("text") for m in slack.history(room)]
    assert texts.count("posted before the crash") == 2  # at least once: one repost at most


def test_concurrent_deliveries_of_one_notice_post_it_once(
    tmp_path: Path, sandbox: SandboxSlack
) -> None:
    slack, store, _, room = _handler_on(tmp_path, sandbox)
    message = _notice(room, "one notice, eight deliveries")
    handlers = [room_message(slack, store) for _ in range(8)]  # eight workers
    start = threading.Barrier(len(handlers))
    backed_off: list[RoomMessageHandler] = []

    def deliver(handler: RoomMessageHandler) -> None:
        start.wait()
        try:
            handler(message)
        except PostInProgress:
            backed_off.append(handler)

    threads = [threading.Thread(target=deliver, args=(h,)) for h in handlers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for handler in backed_off:  # the consumer retries them; by then the post is recorded
        handler(message)
    texts = [m.get("text") for m in slack.history(room)]
    assert texts.count("one notice, eight deliveries") == 1
