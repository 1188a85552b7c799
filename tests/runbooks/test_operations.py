"""Preview, confirm and execute against the fake target: single-use tokens bound to what was
previewed, expiry, two-person confirmation, reasons, break-glass, scope locks, idempotency,
outcomes and the audit trail; 20 concurrent confirmations execute once; recovery after a
crash resumes a queued run and fails a running one without sending it again."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from bot.domain.operation_run import (
    FailureCode,
    OperationRun,
    ReasonCode,
    RunOutcome,
    RunReason,
    RunStatus,
)
from bot.domain.runbooks import RunbookInputError
from bot.services.operations.confirmation import Confirmed, slack_idempotency_key
from bot.services.operations.policy import OperationRefused
from bot.services.operations.previews import PreflightRequest
from tests.eventually import eventually
from tests.runbooks.conftest import BREAKER, Rig, build_rig
from tests.runbooks.target import FakeTarget

ALICE, BOB = "U0ALICE", "U0BOB"
INCIDENT = RunReason(code=ReasonCode.INCIDENT, text="checkout 5xx")


def ask(rig: Rig, user: str = ALICE, **changes: object) -> PreflightRequest:
    request = PreflightRequest(runbook="restart-checkout", params={"cluster": "prod"}, user_id=user)
    return PreflightRequest(**{**request.__dict__, **changes})


def test_preview_then_confirm_executes_once_with_the_idempotency_key(rig: Rig) -> None:
    preview = rig.previews.preflight(ask(rig))
    assert preview.count == 3 and preview.targets == ["pod-1", "pod-2", "pod-3"]
    assert preview.scope == "service:checkout:prod"
    assert rig.target.executes() == []  # a preview changes nothing

    done = rig.confirmation.confirm(preview.token, BOB, "key-1")
    assert done.kind is Confirmed.RAN and done.run is not None
    run = done.run
    assert run.status is RunStatus.COMPLETED and run.outcome is RunOutcome.SUCCEEDED
    assert run.summary is not None and run.summary.updated == 3
    (sent,) = rig.target.executes()
    assert sent.headers["idempotency-key"] == "key-1"
    assert sent.body == {
        "runbook": "restart-checkout",
        "params": {"cluster": "prod", "batch": 2},
        "incident_id": None,
        "targets": ["pod-1", "pod-2", "pod-3"],
    }
    assert rig.actions() == ["runbook.preflight", "runbook.start", "runbook.completed"]
    completed = rig.audit.events("workspace")[-1]
    assert completed.details["run_id"] == run.id and completed.details["scope"] == run.scope

    again = rig.confirmation.confirm(preview.token, BOB, "key-1")
    assert again.kind is Confirmed.DUPLICATE and again.run is not None
    assert again.run.id == run.id
    with pytest.raises(OperationRefused, match=f"confirmed already, as run {run.id}"):
        rig.confirmation.confirm(preview.token, BOB, "key-2")
    assert len(rig.target.executes()) == 1


def test_twenty_concurrent_confirm_clicks_execute_once(rig: Rig) -> None:
    rig.target.execute_delay = 0.2
    preview = rig.previews.preflight(ask(rig))
    results: list[str] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def click() -> None:
        try:
            done = rig.confirmation.confirm(
                preview.token, BOB, slack_idempotency_key(preview.token)
            )
        except OperationRefused as exc:
            with lock:
                errors.append(exc)
            return
        assert done.run is not None
        with lock:
            results.append(done.run.id)

    threads = [threading.Thread(target=click) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 20 and len(set(results)) == 1
    assert len(rig.target.executes()) == 1
    assert rig.actions().count("runbook.start") == 1


def test_confirmation_is_refused_when_a_fresh_preview_differs(rig: Rig) -> None:
    preview = rig.previews.preflight(ask(rig))
    rig.target.targets = ["pod-1", "pod-9"]
    changed = rig.confirmation.confirm(preview.token, BOB, "key-1")
    assert changed.kind is Confirmed.CHANGED and changed.preview is not None
    assert changed.preview.targets == ["pod-1", "pod-9"]
    assert changed.preview.token != preview.token
    assert rig.target.executes() == []
    done = rig.confirmation.confirm(changed.preview.token, BOB, "key-2")
    assert done.run is not None and done.run.targets == ["pod-1", "pod-9"]


def test_an_expired_or_unknown_token_is_refused(rig: Rig) -> None:
    preview = rig.previews.preflight(ask(rig))
    rig.clock.advance(5 * 60)
    with pytest.raises(OperationRefused, match="expired"):
        rig.confirmation.confirm(preview.token, BOB, "key-1")
    with pytest.raises(OperationRefused, match="unknown"):
        rig.confirmation.confirm("not-a-token", BOB, "key-1")
    assert rig.target.executes() == []


def test_two_person_runbooks_need_a_second_person(tmp_path: Path, target: FakeTarget) -> None:
    rig = build_rig(tmp_path / "m.db", target, two_person=True)
    preview = rig.previews.preflight(ask(rig))
    with pytest.raises(OperationRefused, match="second person"):
        rig.confirmation.confirm(preview.token, ALICE, "key-1")
    done = rig.confirmation.confirm(preview.token, BOB, "key-1")
    assert done.run is not None and done.run.confirmed_by == BOB and done.run.initiator == ALICE


def test_reason_required_and_break_glass(tmp_path: Path, target: FakeTarget) -> None:
    rig = build_rig(tmp_path / "m.db", target, two_person=True, reason="always")
    with pytest.raises(OperationRefused, match="needs a reason"):
        rig.previews.preflight(ask(rig))
    with pytest.raises(OperationRefused, match="MARSHAL_BREAK_GLASS"):
        rig.previews.preflight(ask(rig, reason=INCIDENT, break_glass=True))
    preview = rig.previews.preflight(ask(rig, BREAKER, reason=INCIDENT, break_glass=True))
    # break-glass lets the breaker confirm a two-person runbook alone: loud in the audit
    done = rig.confirmation.confirm(preview.token, BREAKER, "key-1")
    assert done.run is not None and done.run.break_glass
    assert done.run.reason == INCIDENT
    assert "runbook.break_glass" in rig.actions()


def test_a_held_scope_refuses_a_second_run_naming_the_holder(rig: Rig) -> None:
    rig.target.execute_delay = 0.5
    first = rig.previews.preflight(ask(rig))
    second = rig.previews.preflight(ask(rig))
    worker = threading.Thread(target=rig.confirmation.confirm, args=(first.token, BOB, "k1"))
    worker.start()
    try:
        holder = _wait_for_run(rig)
        with pytest.raises(OperationRefused, match=f"locked by run {holder.id}"):
            rig.confirmation.confirm(second.token, BOB, "k2")
    finally:
        worker.join()
    # once the first completed, the same preview confirms
    assert rig.confirmation.confirm(second.token, BOB, "k2").kind is Confirmed.RAN


def _wait_for_run(rig: Rig) -> OperationRun:
    eventually(lambda: len(rig.runs.list_runs()) == 1)
    return rig.runs.list_runs()[0]


@pytest.mark.parametrize(
    ("status", "outcome", "code"),
    [
        (500, RunOutcome.FAILED, FailureCode.TARGET_ERROR),
        (400, RunOutcome.FAILED, FailureCode.TARGET_ERROR),
        (409, RunOutcome.BLOCKED, FailureCode.TARGET_REFUSED),
    ],
)
def test_a_failing_target_fails_or_blocks_the_run(
    rig: Rig, status: int, outcome: RunOutcome, code: FailureCode
) -> None:
    rig.target.execute_status = status
    preview = rig.previews.preflight(ask(rig))
    done = rig.confirmation.confirm(preview.token, BOB, "key-1")
    assert done.run is not None and done.run.outcome is outcome
    assert done.run.failure is not None and done.run.failure.code is code
    assert "the target says no" in done.run.failure.message
    assert rig.actions()[-1] == "runbook.failed"
    # the lock is released: the scope can be run again
    assert (
        rig.confirmation.confirm(rig.previews.preflight(ask(rig)).token, BOB, "key-2").run
        is not None
    )


def test_a_retried_execute_keeps_its_idempotency_key(rig: Rig) -> None:
    preview = rig.previews.preflight(ask(rig))
    rig.target.fail_executes = 1
    done = rig.confirmation.confirm(preview.token, BOB, "key-1")
    assert done.run is not None and done.run.outcome is RunOutcome.SUCCEEDED
    keys = [s.headers["idempotency-key"] for s in rig.target.executes()]
    assert keys == ["key-1", "key-1"]


def test_bad_input_is_a_clear_error(rig: Rig) -> None:
    with pytest.raises(RunbookInputError, match="no runbook 'nope'"):
        rig.previews.preflight(ask(rig, runbook="nope"))
    with pytest.raises(RunbookInputError, match="batch must be integer"):
        rig.previews.preflight(ask(rig, params={"batch": "many"}))


def test_recovery_resumes_a_queued_run_and_fails_a_running_one(rig: Rig) -> None:
    """A crash after the run was written but before execute: resumed once. A crash while
    the execute request was out: failed INTERRUPTED, never sent again."""
    queued_preview = rig.previews.preflight(ask(rig, params={"cluster": "eu"}))
    running_preview = rig.previews.preflight(ask(rig, params={"cluster": "us"}))
    queued = _started_without_executing(rig, queued_preview.token, "k-queued")
    running = _started_without_executing(rig, running_preview.token, "k-running")
    rig.runs.update(running.started(rig.clock()), expected_version=running.version)

    recovered = {r.id: r for r in rig.executor.recover()}
    assert recovered[queued.id].outcome is RunOutcome.SUCCEEDED
    assert recovered[running.id].outcome is RunOutcome.FAILED
    failure = recovered[running.id].failure
    assert failure is not None and failure.code is FailureCode.INTERRUPTED
    assert [s.headers["idempotency-key"] for s in rig.target.executes()] == ["k-queued"]
    assert rig.executor.recover() == []  # nothing left to do on a second start
    assert rig.runs.unfinished() == []


def _started_without_executing(rig: Rig, token: str, key: str) -> OperationRun:
    """What confirm writes before it executes: the state a crash right after leaves."""
    shown = rig.runs.get_preview(token)
    assert shown is not None
    return rig.runs.start(OperationRun.confirming(shown, confirmed_by=BOB, idempotency_key=key)).run


def test_an_idempotency_key_reused_for_another_preview_is_refused(rig: Rig) -> None:
    first = rig.confirmation.confirm(rig.previews.preflight(ask(rig)).token, BOB, "key-1")
    assert first.run is not None
    other = rig.previews.preflight(ask(rig, params={"cluster": "eu"}))
    with pytest.raises(OperationRefused, match=f"used already, for run {first.run.id}"):
        rig.confirmation.confirm(other.token, BOB, "key-1")
    assert len(rig.target.executes()) == 1
