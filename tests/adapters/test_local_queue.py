"""The local SQLite queue beyond the shared contract: dedup window, clocks, threads, processes."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from bot.adapters.sqlite.local_queue import LocalQueue
from bot.ports.queue import QueueMessage


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def message(event_id: str, incident_id: str = "INC-1") -> QueueMessage:
    return QueueMessage(event_id=event_id, event_type="ALERT_RECEIVED", incident_id=incident_id)


def test_a_resend_after_the_ack_is_still_a_duplicate_within_the_window(tmp_path: Path) -> None:
    clock = Clock()
    queue = LocalQueue(tmp_path / "q.db", dedup_seconds=300, clock=clock)
    queue.send(message("e1"))
    queue.ack(queue.receive(wait_seconds=0)[0])
    queue.send(message("e1"))
    assert queue.receive(wait_seconds=0) == []
    clock.now += 301
    queue.send(message("e1"))
    assert [d.message.event_id for d in queue.receive(wait_seconds=0)] == ["e1"]


def test_a_dead_lettered_event_is_not_taken_back_by_a_resend(tmp_path: Path) -> None:
    queue = LocalQueue(tmp_path / "q.db")
    queue.send(message("e1"))
    queue.dead_letter(queue.receive(wait_seconds=0)[0], reason="poison")
    queue.send(message("e1"))
    assert queue.receive(wait_seconds=0) == []
    assert len(queue.dead_letters()) == 1


def test_a_crashed_receiver_s_message_returns_and_is_parked_after_max_receives(
    tmp_path: Path,
) -> None:
    clock = Clock()
    queue = LocalQueue(tmp_path / "q.db", max_receives=3, clock=clock)
    queue.send(message("e1"))
    counts = []
    for _ in range(3):
        [delivery] = queue.receive(wait_seconds=0, visibility_seconds=60)
        counts.append(delivery.receive_count)
        clock.now += 59
        assert queue.receive(wait_seconds=0) == []  # still hidden
        clock.now += 1
    assert counts == [1, 2, 3]
    assert queue.receive(wait_seconds=0) == []
    [dead] = queue.dead_letters()
    assert (dead.message.event_id, dead.receive_count) == ("e1", 3)
    assert "limit 3" in dead.reason


def test_a_stale_receipt_neither_acks_nor_extends(tmp_path: Path) -> None:
    clock = Clock()
    queue = LocalQueue(tmp_path / "q.db", clock=clock)
    queue.send(message("e1"))
    [first] = queue.receive(wait_seconds=0, visibility_seconds=10)
    clock.now += 10
    [second] = queue.receive(wait_seconds=0, visibility_seconds=10)
    queue.ack(first)
    queue.extend(first, visibility_seconds=1000)
    clock.now += 10
    [third] = queue.receive(wait_seconds=0)
    assert (second.receive_count, third.receive_count) == (2, 3)


def test_threads_share_the_work_once_each_and_in_incident_order(tmp_path: Path) -> None:
    queue = LocalQueue(tmp_path / "q.db", poll_interval=0.01)
    sent = [message(f"{incident}-{n}", incident) for n in range(8) for incident in "ABCDE"]
    for m in sent:
        queue.send(m)
    handled: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        while deliveries := queue.receive(max_messages=2, wait_seconds=0.2):
            for delivery in deliveries:
                with lock:
                    handled.append(delivery.message.event_id)
                queue.ack(delivery)

    workers = [threading.Thread(target=work) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(handled) == sorted(m.event_id for m in sent)
    for incident in "ABCDE":
        assert [h for h in handled if h[0] == incident] == [f"{incident}-{n}" for n in range(8)]
    queue.close()


_RECEIVER = """
import sys
from pathlib import Path
from bot.adapters.sqlite.local_queue import LocalQueue
queue = LocalQueue(Path(sys.argv[1]), poll_interval=0.01)
print("ready", flush=True)
while deliveries := queue.receive(max_messages=1, wait_seconds=0.5):
    for delivery in deliveries:
        print(delivery.message.event_id, flush=True)
        queue.ack(delivery)
"""


def test_processes_sharing_the_file_never_get_the_same_message(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    queue = LocalQueue(path, poll_interval=0.01)
    queue.ping()  # creates the tables before two processes race for them
    others = [
        subprocess.Popen(
            [sys.executable, "-c", _RECEIVER, str(path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for other in others:
        assert other.stdout is not None
        assert other.stdout.readline().strip() == "ready"
    sent = [f"e{n}" for n in range(30)]
    for n, event_id in enumerate(sent):
        queue.send(message(event_id, f"INC-{n % 6}"))
    mine = []
    while deliveries := queue.receive(max_messages=1, wait_seconds=0.5):
        mine.append(deliveries[0].message.event_id)
        queue.ack(deliveries[0])
    theirs = []
    for other in others:
        out, _ = other.communicate(timeout=30)
        assert other.returncode == 0
        theirs += out.split()
    assert sorted(mine + theirs) == sorted(sent)
    queue.close()


_RECEIVE_AND_EXIT = """
import sys
from bot.adapters.sqlite.local_queue import LocalQueue
queue = LocalQueue(sys.argv[1])
assert len(queue.receive(wait_seconds=0, visibility_seconds=600)) == 1
"""


def test_a_message_held_by_a_dead_process_comes_back_at_once(tmp_path: Path) -> None:
    queue = LocalQueue(tmp_path / "q.db")
    queue.send(message("e1"))
    queue.send(message("e2"))  # same incident: waits behind e1
    holder = subprocess.run(
        [sys.executable, "-c", _RECEIVE_AND_EXIT, str(tmp_path / "q.db")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert holder.returncode == 0, holder.stderr
    [again] = queue.receive(wait_seconds=0, visibility_seconds=600)
    assert (again.message.event_id, again.receive_count) == ("e1", 2)


def test_a_message_held_by_a_live_process_stays_hidden(tmp_path: Path) -> None:
    holder = LocalQueue(tmp_path / "q.db")
    other = LocalQueue(tmp_path / "q.db")  # this process: alive, so its hold is respected
    holder.send(message("e1"))
    assert len(holder.receive(wait_seconds=0, visibility_seconds=600)) == 1
    assert other.receive(wait_seconds=0) == []
