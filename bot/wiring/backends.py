"""Backends: the store, audit log, queue and metrics one process shares, built from settings."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from bot.observability.metrics import Metrics
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore
from bot.settings import Settings
from bot.wiring.queues import ClosableQueue, build_queue
from bot.wiring.stores import build_audit_log, build_store


@dataclass
class Backends:
    store: IncidentStore
    audit: AuditLog
    queue: ClosableQueue
    metrics: Metrics

    def readiness(self) -> dict[str, Callable[[], None]]:
        return {"store": self.ping_store, "queue": self.ping_queue}

    # Looked up at call time, so a store swapped after start-up is the one checked.
    def ping_store(self) -> None:
        self.store.ping()

    def ping_queue(self) -> None:
        self.queue.ping()

    def close(self) -> None:
        self.queue.close()


def open_backends(settings: Settings) -> Backends:
    if settings.marshal_store == "dynamodb" and os.environ.get("AWS_ENDPOINT_URL"):
        from bot.wiring.dynamodb import ensure_dynamodb_tables  # noqa: PLC0415 - on demand

        # Local emulation (moto_server) starts empty; real AWS tables come from CloudFormation.
        ensure_dynamodb_tables(settings)
    return Backends(
        store=build_store(settings),
        audit=build_audit_log(settings),
        queue=build_queue(settings),
        metrics=Metrics(),
    )
