"""Operation runs: one execution of a runbook, its state machine and what it records.

status  queued -> running -> completed  (queued -> completed too: refused before it ran)
outcome pending until completed, then succeeded | failed | blocked

An active run carries a lease (owner, expiry), renewed by the process executing it: recovery
on another processor leaves a run alone until its lease has expired.

A preview (RunPreview) is what a person saw before confirming: the targets, counts and
warnings, bound to a hash of targets and parameters, under a single-use token that expires.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.errors import IllegalTransition, MarshalError
from bot.domain.ids import new_id
from bot.domain.models import utcnow
from bot.domain.runbooks import ParamValue

SUMMARY_KEYS = ("total", "processed", "updated", "skipped", "failed")
PREVIEW_LIFETIME = timedelta(minutes=5)
MAX_FAILURE_CHARS = 300
CANCELLED_BY = "cancelled-by:"  # a preview's `used_by_run` once someone pressed Cancel


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"


class RunOutcome(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    BLOCKED = "blocked"


class ReasonCode(StrEnum):
    DATA_REPAIR = "DATA_REPAIR"
    INCIDENT = "INCIDENT"
    SUPPORT = "SUPPORT"
    SECURITY = "SECURITY"


class FailureCode(StrEnum):
    """Stable reason codes of a failed or blocked run (for alerts, dashboards, scripts)."""

    TARGET_ERROR = "TARGET_ERROR"  # the target answered with an error
    TARGET_UNREACHABLE = "TARGET_UNREACHABLE"  # no answer (timeout, connection)
    TARGET_REFUSED = "TARGET_REFUSED"  # the target said no (403/409/423): blocked
    BAD_ANSWER = "BAD_ANSWER"  # the answer was not the contract's shape
    COMMAND_FAILED = "COMMAND_FAILED"  # an SSM invocation ended failed / timed out
    INTERRUPTED = "INTERRUPTED"  # marshal stopped while the action was running


_NEXT: dict[RunStatus, frozenset[RunStatus]] = {
    RunStatus.QUEUED: frozenset({RunStatus.RUNNING, RunStatus.COMPLETED}),
    RunStatus.RUNNING: frozenset({RunStatus.COMPLETED}),
    RunStatus.COMPLETED: frozenset(),
}


class RunSummary(BaseModel):
    """The fixed summary key set; anything else a target says is not kept."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    total: int = Field(default=0, ge=0)
    processed: int = Field(default=0, ge=0)
    updated: int = Field(default=0, ge=0)
    skipped: int = Field(default=0, ge=0)
    failed: int = Field(default=0, ge=0)


class RunReason(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: ReasonCode
    text: str = Field(default="", max_length=500)


class RunFailure(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: FailureCode
    message: str  # sanitized: short, one line, no secrets (see `failure`)


def failure(code: FailureCode, message: object) -> RunFailure:
    """A failure summary fit for a room and the audit: one line, clipped."""
    text = " ".join(str(message).split())[:MAX_FAILURE_CHARS]
    return RunFailure(code=code, message=text)


class ScopeLocked(MarshalError):
    """Another run holds the scope; names it."""

    def __init__(self, scope: str, holder: str) -> None:
        self.scope = scope
        self.holder = holder
        super().__init__(f"scope {scope} is locked by run {holder}, which is still active")


class PreviewUnusable(MarshalError):
    """The preview token is unknown, expired or already used (by `run_id`)."""

    def __init__(self, message: str, run_id: str | None = None) -> None:
        self.run_id = run_id
        super().__init__(message)


def binding_hash(runbook: str, params: dict[str, ParamValue], targets: list[str]) -> str:
    """What a confirmation is bound to: the runbook, its parameters and the targets."""
    canonical = json.dumps(
        {"runbook": runbook, "params": params, "targets": sorted(targets)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class RunPreview(BaseModel):
    """A preflight shown to a person, waiting for Confirm under its single-use token."""

    token: str
    runbook: str
    params: dict[str, ParamValue]
    scope: str
    targets: list[str]
    count: int
    total: int
    warnings: list[str] = Field(default_factory=list)
    binding: str
    requested_by: str
    incident_id: str | None = None
    channel_id: str | None = None
    reason: RunReason | None = None
    break_glass: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_by_run: str | None = None

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


class OperationRun(BaseModel):
    id: str = Field(default_factory=lambda: new_id("run"))
    runbook: str
    scope: str
    params: dict[str, ParamValue]
    targets: list[str]
    affected: int  # preflight counts
    total: int
    initiator: str  # who asked for the preview
    confirmed_by: str
    incident_id: str | None = None
    channel_id: str | None = None
    reason: RunReason | None = None
    break_glass: bool = False
    idempotency_key: str
    preview_token: str
    status: RunStatus = RunStatus.QUEUED
    outcome: RunOutcome = RunOutcome.PENDING
    summary: RunSummary | None = None
    failure: RunFailure | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    completed_at: datetime | None = None
    lease_owner: str | None = None  # the process executing (or about to execute) the run
    lease_expires_at: datetime | None = None  # renewed while it works; after: presumed dead
    version: int = 0

    @classmethod
    def confirming(
        cls,
        preview: RunPreview,
        *,
        confirmed_by: str,
        idempotency_key: str,
        created_at: datetime | None = None,
    ) -> OperationRun:
        """The run a Confirm of `preview` starts: what the preview showed and counted, who
        asked for it, who confirmed it, and the preview's token the run uses up."""
        return cls(
            runbook=preview.runbook,
            scope=preview.scope,
            params=preview.params,
            targets=preview.targets,
            affected=preview.count,
            total=preview.total,
            initiator=preview.requested_by,
            confirmed_by=confirmed_by,
            incident_id=preview.incident_id,
            channel_id=preview.channel_id,
            reason=preview.reason,
            break_glass=preview.break_glass,
            idempotency_key=idempotency_key,
            preview_token=preview.token,
            created_at=created_at or utcnow(),
        )

    @property
    def active(self) -> bool:
        return self.status is not RunStatus.COMPLETED

    def leased(self, owner: str, until: datetime) -> OperationRun:
        return self.model_copy(update={"lease_owner": owner, "lease_expires_at": until})

    def lease_expired(self, now: datetime) -> bool:
        """No lease (a run from a marshal before leases) counts as expired."""
        return self.lease_expires_at is None or now >= self.lease_expires_at

    def _moved(self, to: RunStatus, **changes: Any) -> OperationRun:
        if to not in _NEXT[self.status]:
            raise IllegalTransition(
                self.id,
                self.status.value,
                to.value,
                sorted(s.value for s in _NEXT[self.status]),
                subject="run",
            )
        return self.model_copy(update={"status": to, **changes})

    def started(self, at: datetime) -> OperationRun:
        return self._moved(RunStatus.RUNNING, started_at=at)

    def succeeded(self, summary: RunSummary, at: datetime) -> OperationRun:
        return self._moved(
            RunStatus.COMPLETED, outcome=RunOutcome.SUCCEEDED, summary=summary, completed_at=at
        )

    def ended_badly(
        self,
        outcome: RunOutcome,
        why: RunFailure,
        at: datetime,
        summary: RunSummary | None = None,
    ) -> OperationRun:
        assert outcome in {RunOutcome.FAILED, RunOutcome.BLOCKED}
        return self._moved(
            RunStatus.COMPLETED, outcome=outcome, failure=why, summary=summary, completed_at=at
        )
