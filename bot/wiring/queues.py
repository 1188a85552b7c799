"""Build the event queue named by the settings: the local SQLite queue or SQS FIFO."""

from __future__ import annotations

from typing import Protocol

from bot.adapters.sqlite.local_queue import LocalQueue
from bot.domain.errors import ConfigurationError
from bot.ports.queue import Queue
from bot.settings import Settings
from bot.wiring.stores import sqlite_database


class ClosableQueue(Queue, Protocol):
    def close(self) -> None:
        """Release connections; entry points call it on shutdown."""


def build_queue(settings: Settings) -> ClosableQueue:
    if settings.marshal_queue == "sqs":
        if not settings.marshal_queue_url:
            raise ConfigurationError("MARSHAL_QUEUE_URL is required when MARSHAL_QUEUE=sqs")
        # boto3 only for the queue that needs it (see bot/wiring/stores.py)
        from bot.adapters.sqs.queue import SqsQueue, build_sqs_client  # noqa: PLC0415

        client = build_sqs_client(settings.aws_region, threads=settings.marshal_http_threads)
        return SqsQueue(client, settings.marshal_queue_url)
    # The same SqliteDatabase as the store: one set of connections to one file.
    return LocalQueue(sqlite_database(settings), max_receives=settings.marshal_queue_max_receives)
