"""OperationRuns contract: one suite over the SQLite and the DynamoDB (moto server) adapters:
single-use previews, the unique idempotency key, scope locks naming their holder."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.dynamodb.operation_runs import DynamoOperationRuns
from bot.adapters.dynamodb.single_table import SingleTable
from bot.adapters.dynamodb.tables import create_tables
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.operation_runs import SqliteOperationRuns
from bot.domain.errors import ConcurrentUpdate
from bot.domain.ids import new_id
from bot.domain.operation_run import (
    PREVIEW_LIFETIME,
    OperationRun,
    PreviewUnusable,
    RunOutcome,
    RunPreview,
    RunStatus,
    RunSummary,
    ScopeLocked,
    binding_hash,
)
from bot.ports.runbooks import OperationRuns
from tests.contract.conftest import BACKENDS, T0, dynamodb_client


@pytest.fixture(params=BACKENDS)
def runs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OperationRuns]:
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "marshal.db")
        yield SqliteOperationRuns(database)
        database.close()
    else:
        request.getfixturevalue("aws")
        client = dynamodb_client()
        create_tables(client, "test-")
        yield DynamoOperationRuns(SingleTable.for_prefix(client, "test-"))


def preview(runs: OperationRuns, *, scope: str = "service:checkout") -> RunPreview:
    made = RunPreview(
        token=new_id("tok"),
        runbook="restart-checkout",
        params={"cluster": "prod"},
        scope=scope,
        targets=["pod-1", "pod-2"],
        count=2,
        total=10,
        binding=binding_hash("restart-checkout", {"cluster": "prod"}, ["pod-1", "pod-2"]),
        requested_by="U0ALICE",
        expires_at=T0 + PREVIEW_LIFETIME,
    )
    runs.save_preview(made)
    return made


def run_for(shown: RunPreview, key: str | None = None) -> OperationRun:
    return OperationRun.confirming(
        shown, confirmed_by="U0BOB", idempotency_key=key or new_id("idem")
    )


def test_a_preview_reads_back(runs: OperationRuns) -> None:
    shown = preview(runs)
    assert runs.get_preview(shown.token) == shown
    assert runs.get_preview("tok-unknown") is None


def test_start_consumes_the_preview_and_writes_the_run(runs: OperationRuns) -> None:
    shown = preview(runs)
    started = runs.start(run_for(shown))
    assert started.created
    stored = runs.get(started.run.id)
    assert stored == started.run
    used = runs.get_preview(shown.token)
    assert used is not None and used.used_by_run == started.run.id


def test_the_same_idempotency_key_returns_the_first_run(runs: OperationRuns) -> None:
    shown = preview(runs)
    first = runs.start(run_for(shown, "key-1"))
    again = runs.start(run_for(shown, "key-1"))
    assert not again.created
    assert again.run.id == first.run.id
    assert len(runs.list_runs()) == 1


def test_a_used_preview_refuses_another_key(runs: OperationRuns) -> None:
    shown = preview(runs)
    first = runs.start(run_for(shown, "key-1"))
    with pytest.raises(PreviewUnusable) as refused:
        runs.start(run_for(shown, "key-2"))
    assert refused.value.run_id == first.run.id


def test_an_unknown_preview_is_refused(runs: OperationRuns) -> None:
    shown = preview(runs).model_copy(update={"token": "tok-never-saved"})
    with pytest.raises(PreviewUnusable):
        runs.start(run_for(shown))
    assert runs.list_runs() == []


def test_a_scope_lock_names_the_run_that_holds_it_until_it_completes(
    runs: OperationRuns,
) -> None:
    holder = runs.start(run_for(preview(runs))).run
    second = preview(runs)
    with pytest.raises(ScopeLocked) as locked:
        runs.start(run_for(second))
    assert locked.value.holder == holder.id
    assert "service:checkout" in str(locked.value)
    # the refused start used nothing up: the preview can still be confirmed later
    unused = runs.get_preview(second.token)
    assert unused is not None and unused.used_by_run is None

    done = holder.succeeded(RunSummary(total=2, processed=2, updated=2), T0)
    runs.update(done, expected_version=holder.version)
    assert runs.start(run_for(second)).created


def test_other_scopes_are_not_locked(runs: OperationRuns) -> None:
    runs.start(run_for(preview(runs, scope="service:checkout")))
    assert runs.start(run_for(preview(runs, scope="service:search"))).created


def test_update_is_conditional_on_the_version(runs: OperationRuns) -> None:
    run = runs.start(run_for(preview(runs))).run
    running = runs.update(run.started(T0), expected_version=run.version)
    assert running.version == run.version + 1
    assert running.status is RunStatus.RUNNING
    with pytest.raises(ConcurrentUpdate) as lost:
        runs.update(run.started(T0), expected_version=run.version)
    assert isinstance(lost.value.current, OperationRun)
    assert lost.value.current.status is RunStatus.RUNNING


def test_list_is_newest_first_and_unfinished_leaves_completed_out(runs: OperationRuns) -> None:
    a = runs.start(run_for(preview(runs, scope="a"))).run
    b = runs.start(run_for(preview(runs, scope="b"))).run
    runs.update(a.succeeded(RunSummary(), T0), expected_version=a.version)
    assert [r.id for r in runs.list_runs()] == [b.id, a.id]
    assert [r.id for r in runs.list_runs(limit=1)] == [b.id]
    assert [r.id for r in runs.unfinished()] == [b.id]
    assert runs.get(a.id) is not None
    stored = runs.get(a.id)
    assert stored is not None and stored.outcome is RunOutcome.SUCCEEDED


def test_twenty_concurrent_starts_of_one_preview_make_one_run(runs: OperationRuns) -> None:
    shown = preview(runs)
    results: list[str] = []
    lock = threading.Lock()

    def confirm() -> None:
        started = runs.start(run_for(shown, f"slack-{shown.token}"))
        with lock:
            results.append(started.run.id)

    threads = [threading.Thread(target=confirm) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20
    assert len(set(results)) == 1
    assert len(runs.list_runs()) == 1


def test_a_cancelled_preview_cannot_start(runs: OperationRuns) -> None:
    shown = preview(runs)
    assert runs.cancel_preview(shown.token, "U0ALICE")
    assert not runs.cancel_preview(shown.token, "U0BOB")  # once only
    assert not runs.cancel_preview("tok-unknown", "U0BOB")
    cancelled = runs.get_preview(shown.token)
    assert cancelled is not None and cancelled.used_by_run == "cancelled-by:U0ALICE"
    with pytest.raises(PreviewUnusable):
        runs.start(run_for(shown))
    assert runs.list_runs() == []
    used = preview(runs)
    runs.start(run_for(used))
    assert not runs.cancel_preview(used.token, "U0ALICE")  # confirmed already
