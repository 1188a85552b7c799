"""What the operation services share: the catalog and action kinds, who may break glass, the
clock, and the refusals a person sees (OperationRefused)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.errors import MarshalError
from bot.domain.models import utcnow
from bot.domain.operation_run import PREVIEW_LIFETIME, FailureCode
from bot.domain.runbooks import ActionKind, Runbook, RunbookCatalog
from bot.ports.runbooks import ActionFailed, RunbookAction

# Runs outside any incident room are audited on the same chain as such commands.
WORKSPACE_CHAIN = "workspace"


class OperationRefused(MarshalError):
    """Policy holds this request (reason missing, second person needed, no break-glass
    right, preview expired, scope locked); the message says what to do instead."""


@dataclass(frozen=True)
class OperationsConfig:
    catalog: RunbookCatalog
    actions: Mapping[ActionKind, RunbookAction]
    may_break_glass: Callable[[str], bool] = lambda _user: False
    announce_channel: str | None = None
    clock: Callable[[], datetime] = utcnow
    preview_lifetime: timedelta = PREVIEW_LIFETIME
    # how long a run stays its executor's without a renewal (MARSHAL_RUN_LEASE_SECONDS)
    run_lease: timedelta = timedelta(seconds=30)
    sample_size: int = field(default=10)

    def action_for(self, runbook: Runbook) -> RunbookAction:
        action = self.actions.get(runbook.action.kind)
        if action is None:
            raise ActionFailed(
                FailureCode.TARGET_UNREACHABLE,
                f"no {runbook.action.kind.value} action is configured in this marshal",
            )
        return action


def chain_of(incident_id: str | None) -> str:
    return incident_id or WORKSPACE_CHAIN
