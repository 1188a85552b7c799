"""Domain records: Alert, Incident, TimelineEntry, StatusPageDraft. Pure pydantic, no I/O."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bot.domain.draft_lifecycle import DraftStatus as DraftStatus  # noqa: PLC0414 (re-export)
from bot.domain.draft_lifecycle import check_draft_transition
from bot.domain.escalation_state import EscalationState
from bot.domain.ids import new_id, new_incident_id
from bot.domain.lifecycle import IncidentStatus, check_transition
from bot.domain.severity import Severity


def utcnow() -> datetime:
    return datetime.now(UTC)


class AlertSource(StrEnum):
    GRAFANA_ONCALL = "grafana-oncall"
    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    PAGERDUTY = "pagerduty"
    GENERIC = "generic"
    SLACK = "slack"  # declared by a human with `/marshal declare`


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class Role(StrEnum):
    IC = "ic"
    COMMS = "comms"
    SCRIBE = "scribe"


class Link(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    url: str


class Alert(BaseModel):
    """One notification from a monitoring tool, normalised. `raw` keeps what the sender sent."""

    source: AlertSource
    external_id: str = Field(description="identity of this notification, for re-send dedup")
    group_key: str = Field(description="alerts with one group key attach to one open incident")
    status: AlertStatus
    title: str
    severity: Severity = Severity.P3
    service: str | None = None
    team: str | None = None
    description: str = ""
    links: list[Link] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)
    oncall: list[str] = Field(default_factory=list, description="emails or Slack user ids")
    drill: bool = False
    received_at: datetime = Field(default_factory=utcnow)
    raw: dict[str, Any] = Field(default_factory=dict)
    # The sender's own event id and time (PagerDuty's event.id, Grafana OnCall's event): such an
    # id names one event forever, so seeing it again is a re-send or a replay, never a recurrence.
    event_unique: bool = False
    occurred_at: datetime | None = None


class AssemblyStep(BaseModel):
    """A finished war-room assembly step; a retry skips the steps recorded here."""

    done_at: datetime
    seconds: float = 0.0
    detail: dict[str, Any] = Field(default_factory=dict)


class ChecklistTick(BaseModel):
    """Who ticked a war-room checklist item, and when."""

    by: str
    at: datetime


class Incident(BaseModel):
    id: str = Field(default_factory=new_incident_id)
    version: int = 0
    source: AlertSource
    group_key: str
    title: str
    severity: Severity
    status: IncidentStatus = IncidentStatus.TRIGGERED
    service: str | None = None
    team: str | None = None
    description: str = ""
    drill: bool = False
    labels: dict[str, str] = Field(default_factory=dict)
    links: list[Link] = Field(default_factory=list)
    oncall: list[str] = Field(default_factory=list)
    roles: dict[Role, str] = Field(default_factory=dict)
    channel_id: str | None = None
    channel_name: str | None = None
    triggered_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    assembled_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
    assembly: dict[str, AssemblyStep] = Field(default_factory=dict)
    assembly_seconds: float | None = None
    alert_count: int = 1
    checklist: dict[str, ChecklistTick] = Field(
        default_factory=dict, description="ticked checklist items by item key"
    )
    checklist_ts: str | None = Field(
        default=None, description="ts of the current checklist message; older ones are stale"
    )
    # The live incident card: where it was announced, and its copy pinned in the room; both
    # are replaced in place (chat.update) whenever what the card shows changes.
    card_channel: str | None = None
    card_ts: str | None = None
    room_card_ts: str | None = None
    # The resolve flow: which resolution this is (a reopen starts a new one), who asked for
    # it and why, and its finished steps, so a retried flow resumes where it stopped.
    resolution_id: str | None = None
    resolved_by: str | None = None
    resolution_summary: str | None = None
    resolution: dict[str, AssemblyStep] = Field(default_factory=dict)
    ratings: dict[str, int] = Field(
        default_factory=dict, description="pulse rating 1-5 by Slack user id; a re-vote replaces"
    )
    # Nudges: paused until `silenced_until`, or until resolve when `silenced_until_resolved`.
    silenced_until: datetime | None = None
    silenced_until_resolved: bool = False
    silenced_by: str | None = None
    last_status_update_at: datetime | None = None
    postmortem_done_at: datetime | None = None
    # Paging and escalation (bot/services/paging): None until the incident is first paged.
    escalation: EscalationState | None = None

    @property
    def commander(self) -> str | None:
        return self.roles.get(Role.IC)

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def nudges_silenced_at(self, at: datetime) -> bool:
        if self.silenced_until_resolved:
            return True
        return self.silenced_until is not None and at < self.silenced_until

    @classmethod
    def from_alert(cls, alert: Alert) -> Incident:
        return cls(
            source=alert.source,
            group_key=alert.group_key,
            title=alert.title,
            severity=alert.severity,
            service=alert.service,
            team=alert.team,
            description=alert.description,
            drill=alert.drill,
            labels=alert.labels,
            links=alert.links,
            oncall=alert.oncall,
            triggered_at=alert.received_at,
        )

    def transition(self, to: IncidentStatus, *, at: datetime | None = None) -> Incident:
        """A copy in state `to`, with that state's timestamp set; refuses illegal moves."""
        check_transition(self.id, self.status, to)
        when = at or utcnow()
        changes: dict[str, Any] = {"status": to, "updated_at": when}
        stamp = {
            IncidentStatus.MITIGATED: "mitigated_at",
            IncidentStatus.RESOLVED: "resolved_at",
            IncidentStatus.CLOSED: "closed_at",
        }.get(to)
        if stamp:
            changes[stamp] = when
        if to.is_active_response and self.status in {
            IncidentStatus.ASSEMBLING,
            IncidentStatus.TRIGGERED,
        }:
            changes["assembled_at"] = self.assembled_at or when
        if to is IncidentStatus.INVESTIGATING and self.status is IncidentStatus.RESOLVED:
            changes["resolved_at"] = None  # reopened
        return self.model_copy(update=changes)


class TimelineKind(StrEnum):
    NOTE = "note"
    PINNED_MESSAGE = "pinned_message"
    STATUS_UPDATE = "status_update"
    SYSTEM = "system"


class TimelineEntry(BaseModel):
    id: str = Field(default_factory=lambda: new_id("tl"))
    incident_id: str
    at: datetime = Field(default_factory=utcnow)
    author: str
    kind: TimelineKind = TimelineKind.NOTE
    text: str
    source_ref: str | None = Field(
        default=None, description="e.g. the Slack message ts a pinned entry came from"
    )


class PublicStatus(StrEnum):
    """Statuspage.io's incident states."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


def published_text_hash(title: str, public_status: str, body: str) -> str:
    """SHA-256 of everything a publish sends and the review shows: title, status and body
    (as JSON, so no two different triples can run together into the same bytes)."""
    canonical = json.dumps([title, public_status, body], ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class StatusPageDraft(BaseModel):
    id: str = Field(default_factory=lambda: new_id("draft"))
    incident_id: str
    version: int = 0
    title: str
    body: str
    public_status: PublicStatus = PublicStatus.INVESTIGATING
    status: DraftStatus = DraftStatus.PENDING
    drafted_by: str
    edited_by: str | None = None  # the last editor
    # everyone who wrote a version after the drafter, in order: all of them are authors
    # under the two-person rule, not just the last (who may have changed one character)
    editors: list[str] = Field(default_factory=list)
    approved_by: str | None = None
    approved_hash: str | None = None
    public_incident_id: str | None = None
    public_url: str | None = None
    failure_note: str | None = None  # why the last publish attempt failed; cleared on success
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def body_sha256(self) -> str:
        """The hash an approval is for. It covers the title and public status as well as the
        body (the name is the audit trail's and the buttons' since the first release)."""
        return published_text_hash(self.title, self.public_status.value, self.body)

    @property
    def authors(self) -> frozenset[str]:
        """Everyone who wrote any version of this draft: the drafter and every editor."""
        return frozenset(a for a in (self.drafted_by, self.edited_by, *self.editors) if a)

    def moved_to(self, status: DraftStatus, *, at: datetime, **changes: Any) -> StatusPageDraft:
        """A copy in `status` (with `changes`, updated at `at`); refuses a move the draft
        state machine does not allow (bot/domain/draft_lifecycle.py)."""
        check_draft_transition(self.id, self.status, status)
        return self.model_copy(update={**changes, "status": status, "updated_at": at})
