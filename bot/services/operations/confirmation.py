"""OperationConfirmation: Confirm on a preview becomes exactly one run.

In order: the token must be known, unused and unexpired; a two-person runbook needs someone
other than the previewer (unless a break-glass preview); a fresh preview must still match
the confirmed one's binding hash (else the new preview is returned and nothing runs); then
one atomic store write claims the idempotency key, the scope lock and the token. The same
key again returns the first run; a held scope names the run holding it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.audit import AuditAction
from bot.domain.operation_run import (
    CANCELLED_BY,
    OperationRun,
    PreviewUnusable,
    RunPreview,
    ScopeLocked,
)
from bot.domain.runbooks import RunbookCatalog
from bot.ports.audit import AuditLog
from bot.ports.runbooks import OperationRuns
from bot.services.operations.execution import RunExecutor
from bot.services.operations.notices import RunNotices
from bot.services.operations.policy import OperationRefused, chain_of
from bot.services.operations.previews import OperationPreviews, PreflightRequest
from bot.services.slack_text import user


class Confirmed(StrEnum):
    RAN = "ran"  # this confirmation started the run (it has completed when returned)
    DUPLICATE = "duplicate"  # the idempotency key's first run, not run again
    CHANGED = "changed"  # the targets moved: nothing ran, here is the new preview


@dataclass(frozen=True)
class Confirmation:
    kind: Confirmed
    run: OperationRun | None = None
    preview: RunPreview | None = None  # the new preview when CHANGED


def slack_idempotency_key(token: str) -> str:
    """Every Confirm click on one preview is one request: the key is the token's."""
    return f"slack:{token}"


class OperationConfirmation:
    def __init__(
        self,
        previews: OperationPreviews,
        runs: OperationRuns,
        audit: AuditLog,
        executor: RunExecutor,
        notices: RunNotices,
    ) -> None:
        self._previews = previews
        self._config = previews.config
        self._runs = runs
        self._audit = audit
        self._executor = executor
        self._notices = notices

    @property
    def catalog(self) -> RunbookCatalog:
        return self._config.catalog

    def confirm(self, token: str, user_id: str, idempotency_key: str) -> Confirmation:
        """Raises OperationRefused, RunbookInputError or ActionFailed (from the fresh preview)."""
        shown = self._runs.get_preview(token)
        if shown is None:
            raise OperationRefused("that preview is unknown; run the preview again")
        if shown.used_by_run is not None and shown.used_by_run.startswith(CANCELLED_BY):
            who = shown.used_by_run.removeprefix(CANCELLED_BY)
            raise OperationRefused(f"that preview was cancelled by {user(who)}")
        if shown.used_by_run is not None:
            first = self._runs.get(shown.used_by_run)
            if first is not None and first.idempotency_key == idempotency_key:
                return Confirmation(Confirmed.DUPLICATE, run=first)
            raise OperationRefused(
                f"that preview was confirmed already, as run {shown.used_by_run}"
            )
        if shown.expired(self._config.clock()):
            raise OperationRefused("that preview has expired; run the preview again")
        runbook = self._config.catalog.get(shown.runbook)
        if runbook.two_person and user_id == shown.requested_by and not shown.break_glass:
            raise OperationRefused(
                f"runbook {runbook.key} needs a second person: someone other than "
                f"the one who asked for the preview must confirm"
            )
        request = PreflightRequest(
            runbook=shown.runbook,
            params={},
            user_id=shown.requested_by,
            incident_id=shown.incident_id,
            channel_id=shown.channel_id,
            reason=shown.reason,
            break_glass=shown.break_glass,
        )
        fresh = self._previews.fresh(runbook, shown.params, request)
        if fresh.binding != shown.binding:
            self._runs.save_preview(fresh)
            return Confirmation(Confirmed.CHANGED, preview=fresh)
        return self._start(shown, user_id, idempotency_key)

    def cancel(self, token: str, user_id: str) -> RunPreview:
        """Use the preview up without running it; OperationRefused when it is too late."""
        shown = self._runs.get_preview(token)
        if shown is None or not self._runs.cancel_preview(token, user_id):
            raise OperationRefused("that preview was confirmed or cancelled already")
        self._audit.append(
            chain_of(shown.incident_id),
            actor=user_id,
            action=AuditAction.RUNBOOK_CANCELLED,
            details={
                "runbook": shown.runbook,
                "scope": shown.scope,
                "requested_by": shown.requested_by,
            },
        )
        return shown

    def _start(self, shown: RunPreview, user_id: str, idempotency_key: str) -> Confirmation:
        run = OperationRun.confirming(
            shown,
            confirmed_by=user_id,
            idempotency_key=idempotency_key,
            created_at=self._config.clock(),
        )
        run = self._executor.leased(run)  # queued is ours too: no recovery resumes it under us
        try:
            started = self._runs.start(run)
        except ScopeLocked as exc:
            raise OperationRefused(
                f"scope {exc.scope} is locked by run {exc.holder}; wait for it to complete"
            ) from exc
        except PreviewUnusable as exc:
            raise OperationRefused(str(exc)) from exc
        if not started.created:
            if started.run.preview_token != shown.token:
                # a key reused for another preview must not pass off that run as this one
                raise OperationRefused(
                    f"idempotency key {idempotency_key} was used already, for run "
                    f"{started.run.id} of {started.run.runbook}; choose a new key"
                )
            return Confirmation(Confirmed.DUPLICATE, run=started.run)
        self._audit.append(
            chain_of(run.incident_id),
            actor=user_id,
            action=AuditAction.RUNBOOK_START,
            details={
                "run_id": run.id,
                "runbook": run.runbook,
                "scope": run.scope,
                "affected": run.affected,
                "total": run.total,
                "initiator": run.initiator,
                "reason_code": run.reason.code.value if run.reason else None,
                "reason": run.reason.text if run.reason else None,
                "break_glass": run.break_glass,
            },
            event_id=f"{run.id}.start",
        )
        if run.break_glass:
            self._audit.append(
                chain_of(run.incident_id),
                actor=user_id,
                action=AuditAction.RUNBOOK_BREAK_GLASS,
                details={"run_id": run.id, "runbook": run.runbook, "scope": run.scope},
                event_id=f"{run.id}.break_glass",
            )
        self._notices.started(run)
        return Confirmation(Confirmed.RAN, run=self._executor.execute(run))
