"""RunExecutor: takes a queued run to completed exactly once, and recovers after a crash.

queued -> running is a conditional write: of twenty callers (or two processors), one wins
and executes; the others get the stored run back. The execute request carries the run's
idempotency key. The executing process holds the run's lease (RunLease) while the request is
out. Recovery (at start and on a timer) only touches runs whose lease has expired: a queued
one resumes (nothing was sent yet) and a running one is marked failed (INTERRUPTED): marshal
cannot know whether the target acted, so it never sends a second time and says to check the
target. Each of those writes is conditional on the version read, so of two recovering
processors one acts.

An executor that stalls longer than its lease (a frozen process, not a dead one) can hear the
target's answer after another processor failed the run as interrupted. That record stands (it
was already announced), but the answer is not dropped: it is audited as a late result and
shown where the interruption was, because "check the target" now has an answer and a second
run would act twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.domain.audit import AuditAction
from bot.domain.errors import ConcurrentUpdate
from bot.domain.operation_run import (
    FailureCode,
    OperationRun,
    RunOutcome,
    RunStatus,
    RunSummary,
    failure,
)
from bot.ports.audit import AuditLog
from bot.ports.runbooks import ActionFailed, OperationRuns
from bot.services.operations.notices import RunNotices
from bot.services.operations.policy import OperationsConfig, chain_of
from bot.services.operations.run_lease import RunLease, process_owner

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
        self.owner = process_owner()

    @property
    def lease(self) -> timedelta:
        return self._config.run_lease

    def leased(self, run: OperationRun) -> OperationRun:
        """`run` under this process's lease, from now."""
        return run.leased(self.owner, self._config.clock() + self._config.run_lease)

    def execute(self, run: OperationRun) -> OperationRun:
        try:
            running = self._runs.update(
                self.leased(run.started(self._config.clock())), expected_version=run.version
            )
        except ConcurrentUpdate as lost:
            assert isinstance(lost.current, OperationRun)
            return lost.current  # someone else took it to running: they execute
        runbook = self._config.catalog.get(running.runbook)
        summary: RunSummary | None = None
        problem: ActionFailed | None = None
        with RunLease(
            self._runs,
            running,
            owner=self.owner,
            lease=self._config.run_lease,
            clock=self._config.clock,
        ) as lease:
            try:
                summary = self._config.action_for(runbook).execute(
                    runbook,
                    running.params,
                    running.incident_id,
                    running.targets,
                    running.idempotency_key,
                )
            except ActionFailed as exc:
                problem = exc
        latest = lease.run  # the version the last renewal wrote
        if problem is not None:
            outcome = RunOutcome.BLOCKED if problem.blocked else RunOutcome.FAILED
            done = latest.ended_badly(outcome, failure(problem.code, problem), self._config.clock())
        else:
            assert summary is not None
            done = latest.succeeded(summary, self._config.clock())
        try:
            return self._finish(latest, done)
        except ConcurrentUpdate as lost:
            # the lease lapsed (a stall longer than the lease) and another processor failed
            # the run as interrupted: see the module docstring
            assert isinstance(lost.current, OperationRun)
            self._late(lost.current, done)
            return lost.current

    def recover(self) -> list[OperationRun]:
        """Resume what never started, fail what was cut off mid-way: only runs whose lease
        has expired (their owner is gone); a live owner's run is left to it."""
        recovered = []
        now = self._config.clock()
        for run in self._runs.unfinished():
            if not run.lease_expired(now):
                continue
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

    def _late(self, recorded: OperationRun, late: OperationRun) -> None:
        log.warning(
            "run finished after its lease was recovered",
            extra={"run": recorded.id, "outcome": late.outcome.value},
        )
        self._audit.append(
            chain_of(recorded.incident_id),
            actor=recorded.confirmed_by,
            action=AuditAction.RUNBOOK_LATE_RESULT,
            details={
                "run_id": recorded.id,
                "runbook": recorded.runbook,
                "scope": recorded.scope,
                "recorded_outcome": recorded.outcome.value,
                "recorded_failure_code": recorded.failure.code.value if recorded.failure else None,
                "late_outcome": late.outcome.value,
                "summary": late.summary.model_dump() if late.summary else None,
                "failure_code": late.failure.code.value if late.failure else None,
                "failure": late.failure.message if late.failure else None,
            },
            event_id=f"{recorded.id}.late",
        )
        self._notices.finished_late(recorded, late)

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
