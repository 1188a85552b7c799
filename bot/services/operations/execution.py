"""RunExecutor: takes a queued run to completed exactly once, and recovers after a crash.

queued -> running is a conditional write: of twenty callers (or two processors), one wins
and executes; the others get the stored run back. The execute request carries the run's
idempotency key. On restart a queued run resumes (nothing was sent yet) and a running one
is marked failed (INTERRUPTED): marshal cannot know whether the target acted, so it never
sends a second time and says to check the target.
"""

from __future__ import annotations

import logging

from bot.domain.audit import AuditAction
from bot.domain.errors import ConcurrentUpdate
from bot.domain.operation_run import (
    FailureCode,
    OperationRun,
    RunOutcome,
    RunStatus,
    failure,
)
from bot.ports.audit import AuditLog
from bot.ports.runbooks import ActionFailed, OperationRuns
from bot.services.operations.notices import RunNotices
from bot.services.operations.policy import OperationsConfig, chain_of

log = logging.getLogger(__name__)

INTERRUPTED = (
    "marshal stopped while the action was running; it was not sent again. "
    "Check the target before starting a new run"
)


class RunExecutor:
    def __init__(
        self,
        config: OperationsConfig,
        runs: OperationRuns,
        audit: AuditLog,
        notices: RunNotices,
    ) -> None:
        self._config = config
        self._runs = runs
        self._audit = audit
        self._notices = notices

    def execute(self, run: OperationRun) -> OperationRun:
        try:
            running = self._runs.update(
                run.started(self._config.clock()), expected_version=run.version
            )
        except ConcurrentUpdate as lost:
            assert isinstance(lost.current, OperationRun)
            return lost.current  # someone else took it to running: they execute
        runbook = self._config.catalog.get(running.runbook)
        try:
            summary = self._config.action_for(runbook).execute(
                runbook,
                running.params,
                running.incident_id,
                running.targets,
                running.idempotency_key,
            )
            done = running.succeeded(summary, self._config.clock())
        except ActionFailed as exc:
            outcome = RunOutcome.BLOCKED if exc.blocked else RunOutcome.FAILED
            done = running.ended_badly(outcome, failure(exc.code, exc), self._config.clock())
        return self._finish(running, done)

    def recover(self) -> list[OperationRun]:
        """After a restart: resume what never started, fail what was cut off mid-way."""
        recovered = []
        for run in self._runs.unfinished():
            if run.status is RunStatus.QUEUED:
                log.info("resuming queued run", extra={"run": run.id})
                recovered.append(self.execute(run))
            else:
                cut = run.ended_badly(
                    RunOutcome.FAILED,
                    failure(FailureCode.INTERRUPTED, INTERRUPTED),
                    self._config.clock(),
                )
                try:
                    recovered.append(self._finish(run, cut))
                except ConcurrentUpdate:
                    continue  # it finished after all, or another processor recovered it
        return recovered

    def _finish(self, before: OperationRun, done: OperationRun) -> OperationRun:
        stored = self._runs.update(done, expected_version=before.version)
        succeeded = stored.outcome is RunOutcome.SUCCEEDED
        self._audit.append(
            chain_of(stored.incident_id),
            actor=stored.confirmed_by,
            action=AuditAction.RUNBOOK_COMPLETED if succeeded else AuditAction.RUNBOOK_FAILED,
            details={
                "run_id": stored.id,
                "runbook": stored.runbook,
                "scope": stored.scope,
                "outcome": stored.outcome.value,
                "summary": stored.summary.model_dump() if stored.summary else None,
                "failure_code": stored.failure.code.value if stored.failure else None,
                "failure": stored.failure.message if stored.failure else None,
            },
            event_id=f"{stored.id}.completed",
        )
        self._notices.finished(stored)
        return stored
