"""A run whose executor stalled past its lease is failed as interrupted by another processor;
when the target then answers, that answer is audited as a late result and shown on the
incident's timeline (and in its postmortem), instead of being dropped: the action did run."""

from __future__ import annotations

import threading

from bot.domain.audit import AuditAction
from bot.domain.models import AlertSource, Incident
from bot.domain.operation_run import FailureCode, OperationRun, RunOutcome, RunStatus, failure
from bot.domain.severity import Severity
from bot.services.operations.execution import INTERRUPTED
from bot.services.operations.previews import PreflightRequest
from bot.services.postmortem.timeline import describe_audit
from tests.eventually import eventually
from tests.runbooks.conftest import Rig


def queued_run(rig: Rig, incident_id: str) -> OperationRun:
    shown = rig.previews.preflight(
        PreflightRequest(
            runbook="restart-checkout", params={}, user_id="U0ALICE", incident_id=incident_id
        )
    )
    run = OperationRun.confirming(shown, confirmed_by="U0ALICE", idempotency_key="late-1")
    return rig.runs.start(run).run


def test_a_result_after_the_run_was_failed_as_interrupted_is_recorded_not_dropped(
    rig: Rig,
) -> None:
    incident, _ = rig.store.create_if_absent(
        Incident(source=AlertSource.GENERIC, group_key="g", title="checkout", severity=Severity.P1)
    )
    queued = queued_run(rig, incident.id)
    rig.target.execute_delay = 0.8  # the executor waits on the target (1 s timeout)...
    finished: list[OperationRun] = []
    executing = threading.Thread(target=lambda: finished.append(rig.executor.execute(queued)))
    executing.start()
    eventually(lambda: rig.target.executes() or None, timeout=5)
    # ...while another processor, seeing its lease lapse, fails the run as interrupted
    running = rig.runs.get(queued.id)
    assert running is not None and running.status is RunStatus.RUNNING
    interrupted = rig.runs.update(
        running.ended_badly(
            RunOutcome.FAILED, failure(FailureCode.INTERRUPTED, INTERRUPTED), rig.clock()
        ),
        expected_version=running.version,
    )
    executing.join(10)

    # the interrupted record stands, and the late answer is on record beside it
    assert finished == [interrupted]
    # every request the action made carried the run's idempotency key (retries are safe)
    assert {s.headers.get("idempotency-key") for s in rig.target.executes()} == {"late-1"}
    [late] = [
        e for e in rig.audit.events(incident.id) if e.action is AuditAction.RUNBOOK_LATE_RESULT
    ]
    assert late.details["recorded_failure_code"] == FailureCode.INTERRUPTED.value
    assert late.details["late_outcome"] == "succeeded"
    assert late.details["summary"]["updated"] == 3
    assert "reached the target after all: succeeded" in (describe_audit(late) or "")
    [entry] = [t for t in rig.store.list_timeline(incident.id) if "Late result" in t.text]
    assert entry.source_ref == f"change:run:{queued.id}:late"
    assert "succeeded" in entry.text
