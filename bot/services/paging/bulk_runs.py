"""BulkRuns: `/marshal bulk ack|escalate` recorded as operation runs (runbook `bulk.ack` /
`bulk.escalate`), so a bulk action shows in `marshal ops list` and GET /api/v1/ops/runs
beside the runbooks, with the same audit actions.

The preview is a RunPreview under the bulk token (the incidents shown, how many matched of
how many open; RUNBOOK_PREFLIGHT); Confirm starts the run on that token (the store's start
is atomic on the idempotency key `bulk:<token>`, and the preview is single-use), marks it
running (RUNBOOK_START), and the summary counts close it (RUNBOOK_COMPLETED). A preview
that is not in the store (made before this existed) is acted on unrecorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.domain.audit import AuditAction
from bot.domain.models import utcnow
from bot.domain.operation_run import (
    PREVIEW_LIFETIME,
    OperationRun,
    PreviewUnusable,
    RunPreview,
    RunSummary,
    ScopeLocked,
    binding_hash,
)
from bot.ports.audit import AuditLog
from bot.ports.runbooks import OperationRuns

WORKSPACE_CHAIN = "workspace"  # a bulk action belongs to no one incident


def runbook_of(action: str) -> str:
    return f"bulk.{action}"


class BulkRuns:
    def __init__(
        self, runs: OperationRuns, audit: AuditLog, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._runs = runs
        self._audit = audit
        self._clock = clock

    def previewed(
        self, action: str, token: str, ids: list[str], *, total: int, user_id: str, words: str
    ) -> None:
        now = self._clock()
        runbook = runbook_of(action)
        params: dict[str, str | int | float | bool] = {"filter": words}
        self._runs.save_preview(
            RunPreview(
                token=token,
                runbook=runbook,
                params=params,
                scope=f"{runbook}:{token}",  # each bulk action is its own scope
                targets=ids,
                count=len(ids),
                total=total,
                binding=binding_hash(runbook, params, ids),
                requested_by=user_id,
                created_at=now,
                # the Confirm button does not expire; the run records what it confirmed
                expires_at=now + PREVIEW_LIFETIME * 288,
            )
        )
        self._audit.append(
            WORKSPACE_CHAIN,
            actor=user_id,
            action=AuditAction.RUNBOOK_PREFLIGHT,
            details={"runbook": runbook, "affected": len(ids), "total": total, "filter": words},
        )

    def begin(self, token: str, user_id: str) -> OperationRun | None:
        """The run for this Confirm, running; None when it cannot be recorded."""
        preview = self._runs.get_preview(token)
        if preview is None:
            return None
        run = OperationRun.confirming(
            preview, confirmed_by=user_id, idempotency_key=f"bulk:{token}"
        )
        try:
            started = self._runs.start(run)
        except (PreviewUnusable, ScopeLocked):
            return None
        if not started.created:
            return None
        now = self._clock()
        running = self._runs.update(started.run.started(now), expected_version=started.run.version)
        self._audit.append(
            WORKSPACE_CHAIN,
            actor=user_id,
            action=AuditAction.RUNBOOK_START,
            details={"runbook": run.runbook, "run": run.id, "affected": run.affected},
        )
        return running

    def finish(self, run: OperationRun, *, done: int, skipped: int) -> OperationRun:
        summary = RunSummary(
            total=len(run.targets), processed=done + skipped, updated=done, skipped=skipped
        )
        ended = self._runs.update(
            run.succeeded(summary, self._clock()), expected_version=run.version
        )
        self._audit.append(
            WORKSPACE_CHAIN,
            actor=run.confirmed_by,
            action=AuditAction.RUNBOOK_COMPLETED,
            details={"runbook": run.runbook, "run": run.id, **summary.model_dump()},
        )
        return ended
