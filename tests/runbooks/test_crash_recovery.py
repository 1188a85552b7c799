"""A real crash between start and completion: `marshal ops start` is killed (SIGKILL) while
its execute request is out at a slow target. Recovery leaves the run alone while its lease
runs (its owner might be alive, on another host); once the lease has expired it marks the run
failed (INTERRUPTED, with the reason) and never sends it again; a retried start with the same key
returns that run; the scope is free again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.domain.operation_run import FailureCode, RunOutcome, RunStatus
from bot.services.operations.confirmation import Confirmed
from bot.services.operations.previews import PreflightRequest
from tests.eventually import eventually
from tests.runbooks.catalog_files import http_catalog
from tests.runbooks.conftest import build_rig
from tests.runbooks.target import FakeTarget

pytestmark = pytest.mark.slow


def test_a_killed_start_is_failed_on_restart_and_never_sent_twice(
    tmp_path: Path, target: FakeTarget
) -> None:
    db = tmp_path / "marshal.db"
    rig = build_rig(db, target)
    catalog = tmp_path / "runbooks.yaml"
    catalog.write_text(http_catalog(target.url))
    preview = rig.previews.preflight(
        PreflightRequest(runbook="restart-checkout", params={}, user_id="U0ALICE")
    )
    target.execute_delay = 30.0  # the execute request hangs until marshal dies
    env = {
        **os.environ,
        "MARSHAL_DB_PATH": str(db),
        "MARSHAL_RUNBOOK_FILE": str(catalog),
        "MARSHAL_RUN_LEASE_SECONDS": "2",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "ops",
            "start",
            "restart-checkout",
            "--preview-token",
            preview.token,
            "--idempotency-key",
            "crash-1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        eventually(lambda: len(target.executes()) == 1, timeout=20)
        run = rig.runs.list_runs()[0]
        assert run.status is RunStatus.RUNNING
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    target.execute_delay = 0.0

    assert rig.executor.recover() == []  # a processor sweeping now: the lease still runs
    still = rig.runs.get(run.id)
    assert still is not None and still.status is RunStatus.RUNNING
    assert still.lease_owner is not None and still.lease_owner != rig.executor.owner
    rig.clock.advance(60)  # well past the dead owner's 2s lease
    (recovered,) = rig.executor.recover()
    assert recovered.id == run.id
    assert recovered.outcome is RunOutcome.FAILED
    assert recovered.failure is not None
    assert recovered.failure.code is FailureCode.INTERRUPTED
    assert "not sent again" in recovered.failure.message
    assert len(target.executes()) == 1
    assert rig.actions()[-1] == "runbook.failed"

    again = rig.confirmation.confirm(preview.token, "U0ALICE", "crash-1")
    assert again.kind is Confirmed.DUPLICATE and again.run is not None
    assert again.run.id == run.id
    assert len(target.executes()) == 1
    fresh = rig.previews.preflight(
        PreflightRequest(runbook="restart-checkout", params={}, user_id="U0ALICE")
    )
    assert rig.confirmation.confirm(fresh.token, "U0BOB", "after-crash").kind is Confirmed.RAN
