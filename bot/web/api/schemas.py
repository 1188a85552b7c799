"""Request and answer bodies of the operator API (the read models live in
bot/services/operator/views.py); the OpenAPI document is generated from these classes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import PublicStatus
from bot.domain.severity import Severity
from bot.services.operator.views import AuditItem, IncidentItem, TimelineItem

MAX_REASON = 500


class Strict(BaseModel):
    # an unknown field is a typo the client should hear about, not something to drop quietly
    model_config = ConfigDict(extra="forbid")


class DeclareBody(Strict):
    title: str = Field(min_length=1, max_length=200)
    severity: Severity = Severity.P2
    service: str | None = Field(default=None, max_length=100)
    team: str | None = Field(default=None, max_length=100)
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class AcknowledgeBody(Strict):
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class StateBody(Strict):
    state: Literal["investigating", "identified", "monitoring", "mitigated"]
    reason: str | None = Field(default=None, max_length=MAX_REASON)

    @property
    def status(self) -> IncidentStatus:
        return IncidentStatus(self.state)


class NoteBody(Strict):
    text: str = Field(min_length=1, max_length=1500)


class ResolveBody(Strict):
    reason: str = Field(
        min_length=1, max_length=MAX_REASON, description="the resolution summary (required)"
    )


class StatusDraftBody(Strict):
    public_status: PublicStatus = PublicStatus.INVESTIGATING
    text: str | None = Field(
        default=None, max_length=5000, description="the draft text; a template when omitted"
    )
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class FollowUpBody(Strict):
    text: str = Field(min_length=1, max_length=500)
    due: str = Field(default="30d", description="a duration (7d) or an ISO date (2026-12-01)")
    priority: Literal["P1", "P2", "P3"] = "P3"
    kind: Literal["detective", "preventative", "corrective"] = "corrective"


class ChangeBody(Strict):
    ref: str = Field(min_length=1, max_length=200, description="deploy, commit or config ref")
    url: str | None = Field(default=None, max_length=500)
    reason: str | None = Field(default=None, max_length=MAX_REASON)


class WriteAnswer(BaseModel):
    """What a write did. Errors (4xx) carry the same fields plus `error`."""

    id: str | None = Field(description="the incident's id")
    outcome: str = Field(description="done | invalid | refused | failed | not_found")
    message: str
    incident: IncidentItem | None = None


class ErrorBody(BaseModel):
    error: str


class IncidentPage(BaseModel):
    items: list[IncidentItem]
    next_cursor: str | None = None


class TimelinePage(BaseModel):
    items: list[TimelineItem]
    next_cursor: str | None = None


class AuditPage(BaseModel):
    items: list[AuditItem]
    next_cursor: str | None = None


def page(items: list[Any]) -> dict[str, Any]:
    """A list answer that fits in one page."""
    return {"items": items, "next_cursor": None}
