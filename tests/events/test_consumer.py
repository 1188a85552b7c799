"""QueueConsumer over real queues: ack on success, dead letters for unknown and poison events."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from bot.domain.errors import MarshalError
from bot.events.consumer import Dispatched, Outcome, QueueConsumer
from bot.events.registry import EventRegistry
from bot.ports.queue import Delivery, EventType, Queue, QueueMessage
from tests.events.conftest import MAX_RECEIVES
from tests.eventually import eventually

WAIT = 10.0  # upper bound for background work; tests finish as soon as it is done


class Recorder:
    """A handler that records what it saw; it can fail, or hold until released."""

    def __init__(self, *, fail: BaseException | None = None, hold: bool = False) -> None:
        self.seen: list[QueueMessage] = []
        self.fail = fail
        self.entered = threading.Event()
        self.release = threading.Event()
        self.done = threading.Event()
        if not hold:
            self.release.set()
        self._lock = threading.Lock()

    def __call__(self, message: QueueMessage) -> None:
        with self._lock:
            self.seen.append(message)
        self.entered.set()
        assert self.release.wait(WAIT)
        self.done.set()
        if self.fail is not None:
            raise self.fail


def message(
    event_id: str, incident_id: str = "INC-1", event_type: str = "ALERT_RECEIVED"
) -> QueueMessage:
    return QueueMessage(
        event_id=event_id,
        event_type=event_type,
        incident_id=incident_id,
        payload={"email": "person@example.com"},
    )


def consumer_for(
    queue: Queue,
    handler: Recorder,
    *,
    workers: int = 2,
    visibility_seconds: int = 30,
    wait_seconds: float = 0.5,
) -> QueueConsumer:
    registry = EventRegistry()
    registry.register(EventType.ALERT_RECEIVED, handler)
    return QueueConsumer(
        queue,
        registry,
        workers=workers,
        visibility_seconds=visibility_seconds,
        wait_seconds=wait_seconds,
        retry_delay_seconds=0,
    )


class ReceiveObserved:
    """The real queue, plus an event set when a receive call has begun (to order a race)."""

    def __init__(self, queue: Queue) -> None:
        self.queue = queue
        self.receiving = threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.queue, name)

    def receive(
        self, *, max_messages: int = 10, wait_seconds: float = 1.0, visibility_seconds: int = 60
    ) -> list[Delivery]:
        self.receiving.set()
        return self.queue.receive(
            max_messages=max_messages,
            wait_seconds=wait_seconds,
            visibility_seconds=visibility_seconds,
        )


def test_a_handled_event_is_acked(queue: Queue) -> None:
    handler = Recorder()
    queue.send(message("e1"))
    results = consumer_for(queue, handler).process_once(wait_seconds=2)
    assert results == [Dispatched("e1", "ALERT_RECEIVED", Outcome.ACKED)]
    assert [m.event_id for m in handler.seen] == ["e1"]
    assert queue.receive(wait_seconds=0) == []


def test_an_unknown_event_type_goes_to_the_dead_letters_and_is_logged(
    queue: Queue, caplog: pytest.LogCaptureFixture
) -> None:
    queue.send(message("odd", event_type="NO_SUCH_EVENT"))
    with caplog.at_level(logging.ERROR):
        results = consumer_for(queue, Recorder()).process_once(wait_seconds=2)
    assert [r.outcome for r in results] == [Outcome.DEAD_LETTERED]
    [dead] = queue.dead_letters()
    assert (dead.message.event_id, dead.reason) == ("odd", "unknown event type NO_SUCH_EVENT")
    assert "odd" in caplog.text
    assert "NO_SUCH_EVENT" in caplog.text


def test_a_failing_handler_is_retried_until_the_dead_letters(
    queue: Queue, caplog: pytest.LogCaptureFixture
) -> None:
    handler = Recorder(fail=RuntimeError("person@example.com broke it"))
    consumer = consumer_for(queue, handler)
    queue.send(message("poison"))
    outcomes = []
    with caplog.at_level(logging.WARNING):
        for _ in range(MAX_RECEIVES):
            outcomes += [r.outcome for r in consumer.process_once(wait_seconds=2)]
        # The next receive finds it worn out and parks it instead of delivering it.
        outcomes += [r.outcome for r in consumer.process_once(wait_seconds=0)]
    assert outcomes == [Outcome.RETRY_LATER] * MAX_RECEIVES
    assert len(handler.seen) == MAX_RECEIVES
    assert [d.message.event_id for d in queue.dead_letters()] == ["poison"]
    assert "poison" in caplog.text
    assert "RuntimeError" in caplog.text
    assert "person@example.com" not in caplog.text  # neither payload nor exception text


def test_a_marshal_error_is_retried_and_its_message_logged(
    queue: Queue, caplog: pytest.LogCaptureFixture
) -> None:
    consumer = consumer_for(queue, Recorder(fail=MarshalError("war room not ready")))
    queue.send(message("e1"))
    with caplog.at_level(logging.WARNING):
        [result] = consumer.process_once(wait_seconds=2)
    assert result.outcome is Outcome.RETRY_LATER
    assert "war room not ready" in caplog.text
    again = queue.receive(wait_seconds=2)
    assert [(d.message.event_id, d.receive_count) for d in again] == [("e1", 2)]


def test_started_workers_handle_every_event_in_per_incident_order(queue: Queue) -> None:
    handler = Recorder()
    consumer = consumer_for(queue, handler, workers=2)
    sent = [message("x1", "INC-X"), message("y1", "INC-Y"), message("x2", "INC-X")]
    for m in sent:
        queue.send(m)
    consumer.start()
    try:
        eventually(lambda: len(handler.seen) >= 3, timeout=WAIT, message="three events handled")
    finally:
        assert consumer.stop(timeout=WAIT) == []
    assert sorted(m.event_id for m in handler.seen) == ["x1", "x2", "y1"]
    assert [m.event_id for m in handler.seen if m.incident_id == "INC-X"] == ["x1", "x2"]
    assert queue.receive(wait_seconds=0) == []


def test_stop_lets_a_running_handler_finish_and_ack(queue: Queue) -> None:
    handler = Recorder(hold=True)
    consumer = consumer_for(queue, handler, workers=1)
    queue.send(message("e1"))
    consumer.start()
    assert handler.entered.wait(WAIT)
    returned: list[object] = []
    stopper = threading.Thread(target=lambda: returned.append(consumer.stop(timeout=WAIT)))
    stopper.start()
    eventually(lambda: consumer.stopping, timeout=WAIT, interval=0.01, message="stop() began")
    handler.release.set()
    stopper.join(WAIT)
    assert returned == [[]]
    assert handler.done.is_set()
    assert queue.receive(wait_seconds=0) == []  # acked, not given back


def test_a_message_received_while_stopping_is_given_back(queue: Queue) -> None:
    handler = Recorder()
    observed = ReceiveObserved(queue)
    consumer = consumer_for(observed, handler, workers=1, wait_seconds=3)  # type: ignore[arg-type]
    consumer.start()
    assert observed.receiving.wait(WAIT)
    returned: list[list[Delivery]] = []
    stopper = threading.Thread(target=lambda: returned.append(list(consumer.stop(timeout=WAIT))))
    stopper.start()
    eventually(lambda: consumer.stopping, timeout=WAIT, interval=0.01, message="stop() began")
    # The worker is in its long poll; what it brings back now must not be handled.
    queue.send(message("late"))
    stopper.join(WAIT)
    assert handler.seen == []
    [[released]] = returned
    assert released.message.event_id == "late"
    again = queue.receive(wait_seconds=2)
    assert [d.message.event_id for d in again] == ["late"]


def test_the_heartbeat_keeps_a_slow_handler_s_message_hidden(queue: Queue) -> None:
    handler = Recorder(hold=True)
    consumer = consumer_for(queue, handler, workers=2, visibility_seconds=1)
    queue.send(message("slow"))
    consumer.start()
    try:
        assert handler.entered.wait(WAIT)
        # Past the one-second visibility: the idle worker would get it again without extends.
        time.sleep(1.6)
        handler.release.set()
        assert handler.done.wait(WAIT)
    finally:
        consumer.stop(timeout=WAIT)
    assert [m.event_id for m in handler.seen] == ["slow"]
    assert queue.receive(wait_seconds=0) == []
