"""The operations rig: the runbook services on a temp SQLite store and audit log, against a
fake target server on a real socket, with a clock the tests move."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.http.retry_policy import RetryPolicy
from bot.adapters.runbooks.http_action import HttpRunbookAction
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.sqlite.operation_runs import SqliteOperationRuns
from bot.domain.audit_keys import AuditKeyring
from bot.domain.runbooks import ActionKind, parse_catalog
from bot.ports.runbooks import RunbookAction
from bot.services.operations.confirmation import OperationConfirmation
from bot.services.operations.execution import RunExecutor
from bot.services.operations.notices import RunNotices
from bot.services.operations.policy import OperationsConfig
from bot.services.operations.previews import OperationPreviews
from tests.runbooks.catalog_files import http_catalog
from tests.runbooks.target import FakeTarget

BREAKER = "U0BREAKER"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Rig:
    target: FakeTarget
    clock: Clock
    database: SqliteDatabase
    store: SqliteIncidentStore
    audit: SqliteAuditLog
    runs: SqliteOperationRuns
    previews: OperationPreviews
    executor: RunExecutor
    confirmation: OperationConfirmation

    def actions(self, chain: str = "workspace") -> list[str]:
        return [e.action.value for e in self.audit.events(chain)]


def build_rig(
    path: Path,
    target: FakeTarget,
    *,
    two_person: bool = False,
    reason: str = "never",
    catalog: str | None = None,
    actions: dict[ActionKind, RunbookAction] | None = None,
) -> Rig:
    clock = Clock()
    database = SqliteDatabase(path)
    store = SqliteIncidentStore(database)
    audit = SqliteAuditLog(database, keys=AuditKeyring.from_text("runbook-tests-key-0123456789"))
    runs = SqliteOperationRuns(database)
    config = OperationsConfig(
        catalog=parse_catalog(
            catalog or http_catalog(target.url, two_person=two_person, reason=reason)
        ),
        actions=actions or {ActionKind.HTTP: HttpRunbookAction(RetryPolicy(backoff_seconds=0.01))},
        may_break_glass=lambda user: user == BREAKER,
        clock=clock,
    )
    notices = RunNotices(None, store)
    previews = OperationPreviews(config, runs, audit)
    executor = RunExecutor(config, runs, audit, notices)
    confirmation = OperationConfirmation(previews, runs, audit, executor, notices)
    return Rig(target, clock, database, store, audit, runs, previews, executor, confirmation)


@pytest.fixture
def target() -> Iterator[FakeTarget]:
    fake = FakeTarget()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def rig(tmp_path: Path, target: FakeTarget) -> Iterator[Rig]:
    made = build_rig(tmp_path / "marshal.db", target)
    yield made
    made.database.close()
