"""build_queue picks the adapter the settings name."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.sqlite.local_queue import LocalQueue
from bot.adapters.sqs.queue import SqsQueue, build_sqs_client, ensure_queue
from bot.ports.queue import QueueMessage
from bot.settings import Settings
from bot.wiring.queues import build_queue
from tests.conftest import AwsEndpoint


def test_local_queue_lives_in_the_store_database_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "var" / "marshal.db"
    monkeypatch.setenv("MARSHAL_DB_PATH", str(path))
    monkeypatch.setenv("MARSHAL_QUEUE_MAX_RECEIVES", "1")
    queue = build_queue(Settings())
    assert isinstance(queue, LocalQueue)
    assert queue.path == path
    queue.send(QueueMessage(event_id="e1", event_type="ALERT_RECEIVED", incident_id="INC-1"))
    [delivery] = queue.receive(wait_seconds=1)
    queue.retry_later(delivery)
    # max receives 1 from the settings: the second receive parks it.
    assert queue.receive(wait_seconds=0) == []
    assert [d.message.event_id for d in queue.dead_letters()] == ["e1"]
    queue.close()
    assert path.is_file()


def test_sqs_queue_uses_the_configured_url(
    aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = ensure_queue(build_sqs_client("us-east-1"), "wiring-", 5)
    monkeypatch.setenv("MARSHAL_QUEUE", "sqs")
    monkeypatch.setenv("MARSHAL_QUEUE_URL", url)
    queue = build_queue(Settings())
    assert isinstance(queue, SqsQueue)
    assert queue.queue_url == url
    queue.ping()
    queue.close()
