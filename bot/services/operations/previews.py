"""OperationPreviews: the preflight. Asks the runbook's action what it would touch, checks
the policy that can be checked before anyone confirms (reason, break-glass right), and keeps
the answer under a single-use token that expires, bound to a hash of targets and params."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from bot.domain.audit import AuditAction
from bot.domain.operation_run import RunPreview, RunReason, binding_hash
from bot.domain.runbooks import ParamValue, Runbook
from bot.ports.audit import AuditLog
from bot.ports.runbooks import OperationRuns
from bot.services.operations.policy import OperationRefused, OperationsConfig, chain_of


@dataclass(frozen=True)
class PreflightRequest:
    runbook: str
    params: dict[str, str]
    user_id: str
    incident_id: str | None = None
    channel_id: str | None = None
    reason: RunReason | None = None
    break_glass: bool = False


class OperationPreviews:
    def __init__(self, config: OperationsConfig, runs: OperationRuns, audit: AuditLog) -> None:
        self._config = config
        self._runs = runs
        self._audit = audit

    @property
    def config(self) -> OperationsConfig:
        return self._config

    def preflight(self, request: PreflightRequest) -> RunPreview:
        """Raises RunbookInputError (bad key or params), OperationRefused, ActionFailed."""
        runbook = self._config.catalog.get(request.runbook)
        params = runbook.parameters(request.params)
        if request.break_glass:
            self._check_break_glass(runbook, request)
        preview = self.fresh(runbook, params, request)
        self._runs.save_preview(preview)
        self._audit.append(
            chain_of(request.incident_id),
            actor=request.user_id,
            action=AuditAction.RUNBOOK_PREFLIGHT,
            details={
                "runbook": runbook.key,
                "scope": preview.scope,
                "params": dict(params),
                "affected": preview.count,
                "total": preview.total,
                "warnings": len(preview.warnings),
                "reason_code": request.reason.code.value if request.reason else None,
                "break_glass": request.break_glass,
            },
        )
        return preview

    def fresh(
        self, runbook: Runbook, params: dict[str, ParamValue], request: PreflightRequest
    ) -> RunPreview:
        """Ask the action now and build (not save) a preview under a new token."""
        answer = self._config.action_for(runbook).preview(runbook, params, request.incident_id)
        count = answer.count
        if runbook.reason_required.requires(count) and request.reason is None:
            raise OperationRefused(
                f"runbook {runbook.key} needs a reason (reason_required: "
                f"{runbook.reason_required}, {count} affected): add --reason CODE text, "
                "CODE one of DATA_REPAIR, INCIDENT, SUPPORT, SECURITY"
            )
        now = self._config.clock()
        return RunPreview(
            # never starting with '-': a command line would read it as an option
            token=f"pv_{secrets.token_urlsafe(24)}",
            runbook=runbook.key,
            params=params,
            scope=runbook.scope(params),
            targets=answer.targets,
            count=count,
            total=answer.total if answer.total is not None else count,
            warnings=answer.warnings,
            binding=binding_hash(runbook.key, params, answer.targets),
            requested_by=request.user_id,
            incident_id=request.incident_id,
            channel_id=request.channel_id,
            reason=request.reason,
            break_glass=request.break_glass,
            created_at=now,
            expires_at=now + self._config.preview_lifetime,
        )

    def _check_break_glass(self, runbook: Runbook, request: PreflightRequest) -> None:
        if not runbook.break_glass:
            raise OperationRefused(f"runbook {runbook.key} does not allow break-glass")
        if not self._config.may_break_glass(request.user_id):
            raise OperationRefused("only the people in MARSHAL_BREAK_GLASS may break glass")
        if request.reason is None:
            raise OperationRefused("break-glass needs a reason: add --reason CODE text")
