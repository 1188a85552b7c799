"""The escalation endpoints (write scope) and the incident detail's `escalation` section.

- POST /incidents/{id}/escalations: page the next level now (`/marshal escalate <reason>`);
- POST /incidents/{id}/escalation-holds: hold automatic escalation for a duration
  (`/marshal escalation hold <duration> <reason>`); DELETE ends the hold now
  (`/marshal escalation resume [reason]`).

Each runs the room's own subcommand through OperatorCommands (permission checks, the paging
services, COMMAND_RUN and OPERATOR_WRITE audit), so there is no second path to paging.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import Field

from bot.domain.models import Incident
from bot.services.operator.commands import OperatorCommands
from bot.web.api.incidents import NO_WRITES, answer
from bot.web.api.operations import Call, Operation, Reply, write_operation
from bot.web.api.schemas import MAX_REASON, Strict

ONE = "/incidents/{incident_id}"


class EscalateBody(Strict):
    reason: str = Field(
        min_length=1, max_length=MAX_REASON, description="why the next level is paged now"
    )


class HoldBody(Strict):
    duration: str = Field(
        min_length=1,
        max_length=20,
        pattern=r"^\S+$",
        description="how long automatic escalation waits, e.g. 30m or 2h (bounded by policy)",
    )
    reason: str = Field(min_length=1, max_length=MAX_REASON, description="why it is held")


class ResumeBody(Strict):
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class EscalationOperations:
    def __init__(self, commands: OperatorCommands | None) -> None:
        self._commands = commands

    def operations(self) -> Sequence[Operation]:
        return (
            self._write(
                "POST",
                f"{ONE}/escalations",
                "escalate",
                "Page the next escalation level now (despite an acknowledgement or a hold)",
                EscalateBody,
            ),
            self._write(
                "POST",
                f"{ONE}/escalation-holds",
                "holdEscalation",
                "Hold automatic escalation for a while; it ends by itself",
                HoldBody,
            ),
            self._write(
                "DELETE",
                f"{ONE}/escalation-holds",
                "resumeEscalation",
                "End the escalation hold now (body optional)",
                ResumeBody,
            ),
        )

    def _write(
        self, method: str, path: str, op_id: str, summary: str, body: type[Strict]
    ) -> Operation:
        return write_operation(method, path, op_id, summary, self.write, body=body)

    def write(self, call: Call) -> Reply:
        commands, body, actor = self._commands, call.body, call.actor
        if commands is None:
            return Reply.error(503, NO_WRITES)
        incident_id = call.path.get("incident_id", "")
        match body:
            case EscalateBody():
                result = commands.escalate(actor, incident_id, body.reason)
            case HoldBody():
                result = commands.hold_escalation(actor, incident_id, body.duration, body.reason)
            case ResumeBody():
                result = commands.resume_escalation(actor, incident_id, body.reason)
            case _:
                return Reply.error(400, "unexpected body")
        return answer(result)


class EscalationSection:
    """The incident detail's `escalation`: the policy, who was paged when at which level
    (and whether it went through), who acknowledged, the hold, and the next page due."""

    name = "escalation"

    def read(self, incident: Incident) -> Any:
        state = incident.escalation
        if state is None:
            return None
        return {
            "policy": state.policy or None,
            "epoch": state.epoch,
            "pages": [
                {
                    "target": p.target,
                    "level": p.level,
                    "at": p.at.isoformat(),
                    "by": p.by,
                    "ok": p.ok,
                    "problem": p.problem,
                    "epoch": p.epoch,
                }
                for p in state.pages
            ],
            "first_paged_at": _iso(state.first_paged_at),
            "acked_by": state.acked_by,
            "acked_at": _iso(state.acked_at),
            "ack_via": state.ack_via,
            "hold": (
                {
                    "until": state.hold_until.isoformat(),
                    "by": state.hold_by,
                    "reason": state.hold_reason,
                }
                if state.hold_until is not None
                else None
            ),
            "next_due": _iso(state.due_at()),
        }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None
