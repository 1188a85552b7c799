"""A real queue for the consumer tests: the local SQLite queue, and SQS FIFO on moto's server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.sqlite.local_queue import LocalQueue
from bot.adapters.sqs.queue import SqsQueue, build_sqs_client, ensure_queue
from bot.ports.queue import Queue

MAX_RECEIVES = 3


@pytest.fixture(params=["local", "sqs"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Queue]:
    if request.param == "local":
        local = LocalQueue(tmp_path / "marshal.db", max_receives=MAX_RECEIVES, poll_interval=0.05)
        yield local
        local.close()
        return
    request.getfixturevalue("aws")
    client = build_sqs_client("us-east-1")
    yield SqsQueue(client, ensure_queue(client, "consumer-", MAX_RECEIVES))
