"""The processor's recovery sweep runs at start and then once per lease: a run whose owner
(another processor, `marshal ops start`) dies while this processor is up is failed once its
lease runs out, without waiting for a restart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.http.retry_policy import RetryPolicy
from bot.adapters.runbooks.http_action import HttpRunbookAction
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.sqlite.operation_runs import SqliteOperationRuns
from bot.domain.audit_keys import AuditKeyring
from bot.domain.models import utcnow
from bot.domain.operation_run import FailureCode, OperationRun, RunStatus
from bot.domain.runbooks import ActionKind, parse_catalog
from bot.services.operations.execution import RunExecutor
from bot.services.operations.notices import RunNotices
from bot.services.operations.policy import OperationsConfig
from bot.services.operations.previews import OperationPreviews, PreflightRequest
from bot.wiring.operations import recover_runs
from bot.wiring.process import ProcessGroup
from tests.eventually import eventually
from tests.runbooks.catalog_files import http_catalog
from tests.runbooks.target import FakeTarget


class SweptRuns(SqliteOperationRuns):
    """The SQLite store, counting the recovery sweeps that read it."""

    sweeps = 0

    def unfinished(self) -> list[OperationRun]:
        self.sweeps += 1
        return super().unfinished()


def test_a_run_orphaned_while_the_processor_is_up_is_failed_after_its_lease(
    tmp_path: Path, target: FakeTarget
) -> None:
    database = SqliteDatabase(tmp_path / "marshal.db")
    audit = SqliteAuditLog(database, keys=AuditKeyring.from_text("sweep-tests-key-0123456789"))
    runs = SweptRuns(database)
    config = OperationsConfig(
        catalog=parse_catalog(http_catalog(target.url)),
        actions={ActionKind.HTTP: HttpRunbookAction(RetryPolicy(backoff_seconds=0.01))},
        run_lease=timedelta(seconds=0.3),
    )
    executor = RunExecutor(config, runs, audit, RunNotices(None, SqliteIncidentStore(database)))
    group = ProcessGroup()
    try:
        recover_runs(group, executor)
        eventually(lambda: runs.sweeps >= 1)  # the start-up pass is done: nothing to do
        shown = OperationPreviews(config, runs, audit).preflight(
            PreflightRequest(runbook="restart-checkout", params={}, user_id="U0ALICE")
        )
        queued = runs.start(
            OperationRun.confirming(shown, confirmed_by="U0ALICE", idempotency_key="orphan-1")
        ).run
        # another process took it to running under its own lease, then died
        orphan = runs.update(
            queued.started(utcnow()).leased("elsewhere:1:dead", utcnow() + config.run_lease),
            expected_version=queued.version,
        )

        def failed() -> OperationRun | None:
            run = runs.get(orphan.id)
            return run if run is not None and run.status is RunStatus.COMPLETED else None

        done = eventually(failed, timeout=5)
        assert done.failure is not None and done.failure.code is FailureCode.INTERRUPTED
        assert target.executes() == []  # failed, never sent
    finally:
        group.stop()
        database.close()
