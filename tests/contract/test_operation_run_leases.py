"""Several processors on one store (SQLite and DynamoDB over moto's server): a run's lease keeps
recovery on another processor away from a run that is still executing, and of two
processors recovering an expired run, one acts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.dynamodb.operation_runs import DynamoOperationRuns
from bot.adapters.dynamodb.single_table import SingleTable
from bot.adapters.dynamodb.tables import create_tables
from bot.adapters.http.retry_policy import RetryPolicy
from bot.adapters.runbooks.http_action import HttpRunbookAction
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.sqlite.operation_runs import SqliteOperationRuns
from bot.domain.models import utcnow
from bot.domain.operation_run import FailureCode, OperationRun, RunOutcome, RunStatus
from bot.domain.runbooks import ActionKind, parse_catalog
from bot.ports.runbooks import OperationRuns
from bot.services.operations.confirmation import Confirmation, Confirmed, OperationConfirmation
from bot.services.operations.execution import RunExecutor
from bot.services.operations.notices import RunNotices
from bot.services.operations.policy import OperationsConfig
from bot.services.operations.previews import OperationPreviews, PreflightRequest
from tests.contract.conftest import BACKENDS, TEST_KEYS, dynamodb_client
from tests.eventually import eventually
from tests.runbooks.catalog_files import http_catalog
from tests.runbooks.target import FakeTarget

LEASE = timedelta(seconds=0.3)


@dataclass
class Processor:
    """One marshal processor: its own service instances, sharing only the runs store."""

    runs: OperationRuns
    audit: SqliteAuditLog
    previews: OperationPreviews
    executor: RunExecutor
    confirmation: OperationConfirmation

    def failures(self) -> list[str]:
        return [e.action.value for e in self.audit.events("workspace") if "failed" in e.action]


@pytest.fixture
def target() -> Iterator[FakeTarget]:
    fake = FakeTarget()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(params=BACKENDS)
def processors(
    request: pytest.FixtureRequest, tmp_path: Path, target: FakeTarget
) -> Iterator[Callable[[], Processor]]:
    databases: list[SqliteDatabase] = []
    if request.param == "dynamodb":
        request.getfixturevalue("aws")
        create_tables(dynamodb_client(), "lease-")

    def runs_store() -> OperationRuns:
        if request.param == "sqlite":
            database = SqliteDatabase(tmp_path / "runs.db")  # its own connection, one file
            databases.append(database)
            return SqliteOperationRuns(database)
        return DynamoOperationRuns(SingleTable.for_prefix(dynamodb_client(), "lease-"))

    def processor() -> Processor:
        own = SqliteDatabase(tmp_path / f"own-{len(databases)}.db")
        databases.append(own)
        audit = SqliteAuditLog(own, keys=TEST_KEYS)
        config = OperationsConfig(
            catalog=parse_catalog(http_catalog(target.url)),
            actions={ActionKind.HTTP: HttpRunbookAction(RetryPolicy(backoff_seconds=0.01))},
            run_lease=LEASE,
        )
        runs = runs_store()
        notices = RunNotices(None, SqliteIncidentStore(own))
        previews = OperationPreviews(config, runs, audit)
        executor = RunExecutor(config, runs, audit, notices)
        confirmation = OperationConfirmation(previews, runs, audit, executor, notices)
        return Processor(runs, audit, previews, executor, confirmation)

    yield processor
    for database in databases:
        database.close()


def ask(processor: Processor) -> str:
    return processor.previews.preflight(
        PreflightRequest(runbook="restart-checkout", params={}, user_id="U0ALICE")
    ).token


def test_a_live_run_is_not_recovered_by_another_processor(
    processors: Callable[[], Processor], target: FakeTarget
) -> None:
    first, second = processors(), processors()
    token = ask(first)
    target.execute_delay = 0.9  # three leases (under its 1s timeout): renewals keep it
    outcome: list[Confirmation] = []
    worker = threading.Thread(
        target=lambda: outcome.append(first.confirmation.confirm(token, "U0BOB", "live-1"))
    )
    worker.start()
    eventually(lambda: len(target.executes()) == 1, timeout=10)
    recovered = []
    while worker.is_alive():  # the second processor starts (and sweeps) meanwhile
        recovered.extend(second.executor.recover())
        worker.join(timeout=0.2)
    assert recovered == []
    (done,) = outcome
    assert done.kind is Confirmed.RAN and done.run is not None
    assert done.run.outcome is RunOutcome.SUCCEEDED
    stored = second.runs.get(done.run.id)
    assert stored is not None and stored.outcome is RunOutcome.SUCCEEDED
    assert stored.lease_owner == first.executor.owner
    assert len(target.executes()) == 1
    assert second.failures() == [] and first.failures() == []


def test_of_two_processors_recovering_a_dead_owners_run_one_fails_it(
    processors: Callable[[], Processor], target: FakeTarget
) -> None:
    dead, first, second = processors(), processors(), processors()
    shown = dead.runs.get_preview(ask(dead))
    assert shown is not None
    run = OperationRun.confirming(shown, confirmed_by="U0BOB", idempotency_key="dead-1")
    queued = dead.runs.start(dead.executor.leased(run)).run
    # the dead owner took it to running (its request may be out) and then died
    running = dead.runs.update(
        dead.executor.leased(queued.started(utcnow())), expected_version=queued.version
    )
    assert first.executor.recover() == []  # the owner's lease is still running
    eventually(lambda: running.lease_expired(utcnow()), timeout=5)

    barrier = threading.Barrier(2)
    results: list[list[object]] = []

    def recover(processor: Processor) -> None:
        barrier.wait()
        results.append(list(processor.executor.recover()))

    threads = [threading.Thread(target=recover, args=(p,)) for p in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    acted = [r for r in results if r]
    assert len(acted) == 1
    stored = first.runs.get(running.id)
    assert stored is not None and stored.status is RunStatus.COMPLETED
    assert stored.failure is not None and stored.failure.code is FailureCode.INTERRUPTED
    assert len(target.executes()) == 0  # never sent by recovery
    assert len(first.failures()) + len(second.failures()) == 1
