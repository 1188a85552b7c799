"""Runbook ports: an action kind (http, aws-ssm, ...) and the store of previews and runs.

`RunbookAction` is one adapter per action kind; `OperationRuns` is what a store backend
(SQLite, DynamoDB) implements for operation runs, passing one contract suite
(tests/contract/test_operation_runs.py).
"""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from bot.domain.errors import MarshalError
from bot.domain.operation_run import FailureCode, OperationRun, RunPreview, RunSummary
from bot.domain.runbooks import ParamValue, Runbook


class ActionPreview(BaseModel):
    """What an action would touch: nothing changed yet."""

    targets: list[str] = Field(default_factory=list)
    count: int = Field(ge=0)
    total: int | None = Field(default=None, ge=0)
    warnings: list[str] = Field(default_factory=list)


class ActionFailed(MarshalError):
    """The action could not preview or execute; `code` is the run's stable reason code.
    `blocked`: the target refused on purpose (the run's outcome is blocked, not failed)."""

    def __init__(self, code: FailureCode, message: str, *, blocked: bool = False) -> None:
        self.code = code
        self.blocked = blocked
        super().__init__(message)


class RunbookAction(Protocol):
    def preview(
        self, runbook: Runbook, params: dict[str, ParamValue], incident_id: str | None
    ) -> ActionPreview:
        """Ask what would be affected, changing nothing. Raises ActionFailed."""

    def execute(
        self,
        runbook: Runbook,
        params: dict[str, ParamValue],
        incident_id: str | None,
        targets: list[str],
        idempotency_key: str,
    ) -> RunSummary:
        """Do it, once per `idempotency_key`. Raises ActionFailed."""


class StartedRun(BaseModel):
    run: OperationRun
    created: bool  # False: the idempotency key was used before; this is that first run


class OperationRuns(Protocol):
    def save_preview(self, preview: RunPreview) -> None: ...

    def get_preview(self, token: str) -> RunPreview | None: ...

    def cancel_preview(self, token: str, user_id: str) -> bool:
        """Use the token up without a run (`used_by_run` = CANCELLED_BY + user): True when
        this call cancelled it, False when it was unknown, used or cancelled already."""

    def start(self, run: OperationRun) -> StartedRun:
        """Atomically: claim `run.idempotency_key` (taken: return that first run, created
        False, change nothing), take the lock on `run.scope` (held by an active run: raise
        ScopeLocked naming it), mark the preview `run.preview_token` used (unknown or used:
        PreviewUnusable) and write the run."""

    def get(self, run_id: str) -> OperationRun | None:
        """Read strongly consistent."""

    def update(self, run: OperationRun, *, expected_version: int) -> OperationRun:
        """Write `run` if the stored version is `expected_version` (else ConcurrentUpdate with
        the stored run); returns it with version+1. A completed run releases its scope lock
        in the same write."""

    def list_runs(self, *, limit: int = 50) -> list[OperationRun]:
        """Newest first."""

    def unfinished(self) -> list[OperationRun]:
        """Runs queued or running (for recovery after a restart)."""
