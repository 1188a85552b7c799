"""Bulk ack/escalate as operation runs: the preview is a RunPreview (preflight counts), a
Confirm pressed twice at once makes one run, closed with its summary counts and audited,
listed beside the runbooks' runs (what `marshal ops list` and GET /api/v1/ops/runs read)."""

from __future__ import annotations

import threading

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.operation_runs import SqliteOperationRuns
from bot.commands.bulk import BulkCommand
from bot.domain.audit import AuditAction
from bot.domain.operation_run import RunOutcome, RunStatus
from bot.domain.severity import Severity
from bot.ports.slack_views import BulkPreview
from bot.services.paging.bulk import BulkPaging
from bot.services.paging.bulk_runs import WORKSPACE_CHAIN, BulkRuns
from tests.eventually import eventually
from tests.paging.conftest import PagingRig, open_incident
from tests.paging.test_bulk import _ctx


def test_a_bulk_ack_is_one_operation_run_with_counts(paging: PagingRig) -> None:
    processor = paging.processor().start()
    assert paging.incident.channel_id
    second = open_incident(paging.store, paging.incident.channel_id + "b", service="search")
    open_incident(paging.store, paging.incident.channel_id + "c", severity=Severity.P4)

    def paging_started() -> bool:
        found = [paging.store.get(i.id) for i in (paging.incident, second)]
        return all(i is not None and i.escalation is not None for i in found)

    eventually(paging_started)
    runs = SqliteOperationRuns(SqliteDatabase(paging.path))
    bulk = BulkPaging(
        paging.store, processor.control, owner="test", runs=BulkRuns(runs, paging.audit)
    )
    reply = BulkCommand(bulk).run(_ctx("ack severity=P1"))
    view = reply.view
    assert isinstance(view, BulkPreview)
    preview = runs.get_preview(view.token)
    assert preview is not None and preview.runbook == "bulk.ack"
    assert (preview.count, preview.total, preview.requested_by) == (2, 3, "U0BOB")

    answers: list[str] = []
    presses = [
        threading.Thread(target=lambda: answers.append(bulk.confirm(view.value, "U0CAROL")))
        for _ in range(2)
    ]
    for press in presses:
        press.start()
    for press in presses:
        press.join()
    assert sorted(a.split(":")[0] for a in answers) == [
        "Acknowledged 2",
        "This bulk action was confirmed already.",
    ]
    [run] = runs.list_runs()
    assert (run.runbook, run.status, run.outcome) == (
        "bulk.ack",
        RunStatus.COMPLETED,
        RunOutcome.SUCCEEDED,
    )
    assert sorted(run.targets) == sorted([paging.incident.id, second.id])
    assert (run.affected, run.total, run.initiator, run.confirmed_by) == (2, 3, "U0BOB", "U0CAROL")
    assert run.summary is not None
    assert (run.summary.total, run.summary.updated, run.summary.skipped) == (2, 2, 0)
    actions = [e.action for e in paging.audit.events(WORKSPACE_CHAIN)]
    assert actions.count(AuditAction.RUNBOOK_PREFLIGHT) == 1
    assert actions.count(AuditAction.RUNBOOK_START) == 1
    assert actions.count(AuditAction.RUNBOOK_COMPLETED) == 1
    assert runs.unfinished() == []  # the run's scope lock is released
