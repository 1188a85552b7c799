"""One contract for every Queue backend: the local SQLite queue and SQS FIFO (moto over HTTP)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from bot.adapters.sqlite.local_queue import LocalQueue
from bot.adapters.sqs.queue import SqsQueue, build_sqs_client, ensure_queue
from bot.domain.errors import BackendUnavailable
from bot.ports.queue import Delivery, EventType, Queue, QueueMessage

MAX_RECEIVES = 2


def _not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "garbage.db"
    path.write_bytes(b"this is not an SQLite database" * 100)
    return path


@dataclass
class Backend:
    name: str
    queue: Queue
    unreachable: Callable[[], Queue]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(params=["local", "sqs"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "local":
        local = LocalQueue(tmp_path / "marshal.db", max_receives=MAX_RECEIVES, poll_interval=0.05)
        yield Backend("local", local, lambda: LocalQueue(_not_a_database(tmp_path)))
        local.close()
        return
    request.getfixturevalue("aws")
    client = build_sqs_client("us-east-1")
    url = ensure_queue(client, "test-", MAX_RECEIVES)

    def unreachable() -> Queue:
        dead = boto3.client(
            "sqs",
            region_name="us-east-1",
            endpoint_url=f"http://127.0.0.1:{_closed_port()}",
            config=Config(connect_timeout=1, retries={"max_attempts": 1}),
        )
        return SqsQueue(dead, url)

    yield Backend("sqs", SqsQueue(client, url), unreachable)


def message(event_id: str, incident_id: str = "INC-1") -> QueueMessage:
    return QueueMessage(
        event_id=event_id,
        event_type=EventType.ALERT_RECEIVED,
        incident_id=incident_id,
        payload={"n": event_id},
    )


def ids(deliveries: list[Delivery]) -> list[str]:
    return [d.message.event_id for d in deliveries]


def receive_one(queue: Queue, *, visibility: int = 30, wait: float = 2.0) -> Delivery:
    deliveries = queue.receive(max_messages=1, wait_seconds=wait, visibility_seconds=visibility)
    assert len(deliveries) == 1, deliveries
    return deliveries[0]


def test_a_sent_message_arrives_whole(backend: Backend) -> None:
    sent = message("e1")
    backend.queue.send(sent)
    delivery = receive_one(backend.queue)
    assert delivery.message == sent
    assert delivery.receive_count == 1
    backend.queue.ack(delivery)
    assert backend.queue.receive(wait_seconds=0) == []


def test_send_is_idempotent_on_event_id(backend: Backend) -> None:
    backend.queue.send(message("e1"))
    backend.queue.send(message("e1"))
    first = backend.queue.receive(max_messages=10, wait_seconds=1)
    assert ids(first) == ["e1"]
    backend.queue.ack(first[0])
    assert backend.queue.receive(max_messages=10, wait_seconds=0) == []


def test_messages_of_one_incident_come_one_at_a_time_in_send_order(backend: Backend) -> None:
    for event_id in ("e1", "e2", "e3"):
        backend.queue.send(message(event_id, "INC-X"))
    seen = []
    for _ in range(3):
        delivery = receive_one(backend.queue)
        # While it is in flight, the rest of its incident waits.
        assert backend.queue.receive(max_messages=10, wait_seconds=0) == []
        seen.append(delivery.message.event_id)
        backend.queue.ack(delivery)
    assert seen == ["e1", "e2", "e3"]


def test_an_in_flight_incident_does_not_block_other_incidents(backend: Backend) -> None:
    backend.queue.send(message("x1", "INC-X"))
    backend.queue.send(message("x2", "INC-X"))
    backend.queue.send(message("y1", "INC-Y"))
    in_flight = receive_one(backend.queue)
    assert in_flight.message.event_id == "x1"
    others = backend.queue.receive(max_messages=10, wait_seconds=1)
    assert ids(others) == ["y1"]


def test_an_unacked_message_comes_back_after_its_visibility_timeout(backend: Backend) -> None:
    backend.queue.send(message("e1"))
    first = receive_one(backend.queue, visibility=1)
    # The receiver "crashed": no ack. Hidden for now, visible again after a second.
    assert backend.queue.receive(wait_seconds=0) == []
    again = receive_one(backend.queue, visibility=30, wait=5)
    assert again.message.event_id == "e1"
    assert again.receive_count == 2
    assert again.receipt != first.receipt


def test_retry_later_gives_the_message_back_and_counts_a_receive(backend: Backend) -> None:
    backend.queue.send(message("e1"))
    backend.queue.retry_later(receive_one(backend.queue), delay_seconds=0)
    again = receive_one(backend.queue)
    assert (again.message.event_id, again.receive_count) == ("e1", 2)


def test_after_max_receives_a_message_moves_to_the_dead_letters(backend: Backend) -> None:
    poison = message("poison", "INC-X")
    backend.queue.send(poison)
    backend.queue.send(message("next", "INC-X"))
    for attempt in range(1, MAX_RECEIVES + 1):
        delivery = receive_one(backend.queue)
        assert (delivery.message.event_id, delivery.receive_count) == ("poison", attempt)
        backend.queue.retry_later(delivery, delay_seconds=0)
    # The poison message is parked and its incident moves on.
    following = receive_one(backend.queue)
    assert following.message.event_id == "next"
    dead = backend.queue.dead_letters()
    assert [d.message.event_id for d in dead] == ["poison"]
    assert dead[0].message == poison
    assert dead[0].receive_count >= MAX_RECEIVES
    assert dead[0].reason


def test_dead_letter_moves_a_message_now_with_its_reason(backend: Backend) -> None:
    unknown = QueueMessage(event_id="odd", event_type="NO_SUCH_EVENT", incident_id="INC-X")
    backend.queue.send(unknown)
    backend.queue.send(message("next", "INC-X"))
    backend.queue.dead_letter(receive_one(backend.queue), reason="unknown event type NO_SUCH")
    assert receive_one(backend.queue).message.event_id == "next"
    [dead] = backend.queue.dead_letters()
    assert dead.message == unknown
    assert dead.reason == "unknown event type NO_SUCH"
    assert dead.receive_count == 1
    assert dead.dead_at is not None


def test_dead_letters_is_a_peek_and_honours_the_limit(backend: Backend) -> None:
    for n in range(3):
        backend.queue.send(message(f"e{n}", f"INC-{n}"))
    for delivery in backend.queue.receive(max_messages=10, wait_seconds=1):
        backend.queue.dead_letter(delivery, reason="test")
    assert len(backend.queue.dead_letters(limit=2)) == 2
    # Listing twice shows the same messages: nothing was consumed by the first look.
    assert sorted(d.message.event_id for d in backend.queue.dead_letters()) == ["e0", "e1", "e2"]
    assert sorted(d.message.event_id for d in backend.queue.dead_letters()) == ["e0", "e1", "e2"]


def test_extend_keeps_a_long_running_message_hidden(backend: Backend) -> None:
    backend.queue.send(message("e1"))
    delivery = receive_one(backend.queue, visibility=1)
    backend.queue.extend(delivery, visibility_seconds=30)
    # Longer than the first visibility timeout: without the extension it would be back.
    assert backend.queue.receive(max_messages=10, wait_seconds=2) == []
    backend.queue.retry_later(delivery, delay_seconds=0)
    assert receive_one(backend.queue).receive_count == 2


def test_receive_waits_for_a_message_and_returns_when_one_arrives(backend: Backend) -> None:
    assert backend.queue.receive(wait_seconds=0) == []
    backend.queue.send(message("e1"))
    assert ids(backend.queue.receive(wait_seconds=5)) == ["e1"]


def test_ping_passes_on_a_working_backend(backend: Backend) -> None:
    backend.queue.ping()


def test_ping_raises_backend_unavailable_when_unreachable(backend: Backend) -> None:
    # the local queue already refuses when it opens an unusable file; SQS when it is asked
    with pytest.raises(BackendUnavailable):
        backend.unreachable().ping()


def test_send_raises_backend_unavailable_when_unreachable(backend: Backend) -> None:
    with pytest.raises(BackendUnavailable):
        backend.unreachable().send(message("e1"))
