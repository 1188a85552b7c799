"""The operator read models: plain pydantic records of what an operator (API client, MCP
agent, console page) sees of an incident. The HTTP API's OpenAPI document is generated from
these same classes, so the JSON and its description cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.domain.audit import AuditEvent
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident, PublicStatus, StatusPageDraft, TimelineEntry
from bot.domain.severity import Severity
from bot.services.incident_metrics import ResponseTimes


class IncidentItem(BaseModel):
    """One row of the incident queue."""

    id: str
    title: str
    severity: Severity
    status: IncidentStatus
    is_open: bool
    service: str | None = None
    team: str | None = None
    drill: bool = False
    channel_id: str | None = None
    commander: str | None = None
    triggered_at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    updated_at: datetime

    @classmethod
    def of(cls, incident: Incident) -> IncidentItem:
        return cls(
            id=incident.id,
            title=incident.title,
            severity=incident.severity,
            status=incident.status,
            is_open=incident.is_open,
            service=incident.service,
            team=incident.team,
            drill=incident.drill,
            channel_id=incident.channel_id,
            commander=incident.commander,
            triggered_at=incident.triggered_at,
            acknowledged_at=incident.acknowledged_at,
            acknowledged_by=incident.acknowledged_by,
            mitigated_at=incident.mitigated_at,
            resolved_at=incident.resolved_at,
            updated_at=incident.updated_at,
        )


class QueuePage(BaseModel):
    """A page of the queue: open incidents first, then resolved ones, each newest first."""

    items: list[IncidentItem]
    next_cursor: str | None = Field(
        default=None, description="pass as `cursor` for the next page; null on the last page"
    )


class TimelineItem(BaseModel):
    id: str
    at: datetime
    author: str
    kind: str
    text: str

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineItem:
        return cls(id=entry.id, at=entry.at, author=entry.author, kind=entry.kind, text=entry.text)


class DraftItem(BaseModel):
    """A status-page draft as reviewers see it; approving it stays a button in Slack."""

    id: str
    title: str
    body: str
    public_status: PublicStatus
    status: str
    drafted_by: str
    approved_by: str | None = None
    public_url: str | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, draft: StatusPageDraft) -> DraftItem:
        return cls(
            id=draft.id,
            title=draft.title,
            body=draft.body,
            public_status=draft.public_status,
            status=draft.status.value,
            drafted_by=draft.drafted_by,
            approved_by=draft.approved_by,
            public_url=draft.public_url,
            created_at=draft.created_at,
            updated_at=draft.updated_at,
        )


class IncidentDetail(BaseModel):
    """An incident with its timeline, roles, derived durations and status-page drafts.

    `sections` holds what other capabilities add (paging and escalation state, follow-ups),
    each under its own name, from the `DetailSection`s wiring registers."""

    incident: IncidentItem
    description: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    links: list[dict[str, str]] = Field(default_factory=list)
    roles: dict[str, str] = Field(description="role (ic, comms, scribe) -> Slack user id")
    durations: ResponseTimes = Field(description="seconds from the trigger to each milestone")
    open_for_seconds: float | None = Field(
        default=None, description="how long the incident has been open; null once resolved"
    )
    timeline: list[TimelineItem]
    drafts: list[DraftItem]
    sections: dict[str, Any] = Field(default_factory=dict)


class AuditItem(BaseModel):
    """One event of the incident's keyed audit chain, as stored (hashes included)."""

    id: str
    seq: int
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def of(cls, event: AuditEvent) -> AuditItem:
        return cls(
            id=event.event_id,
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action.value,
            details=event.details,
            prev_hash=event.prev_hash,
            hash=event.hash,
        )
