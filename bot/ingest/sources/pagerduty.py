"""PagerDuty V3 webhook (`{"event": {...}}` envelope) -> at most one Alert per delivery.

Each delivery carries one event. Incident events whose data is an incident (triggered,
acknowledged, escalated, priority_updated, resolved, ...) map to an Alert grouped by the
PagerDuty incident id; the others (pagey.ping, notes, responders, status updates, services)
are not alerts and yield an empty list, which the HTTP tier acknowledges without an incident.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.domain.models import Alert, AlertSource, AlertStatus
from bot.ingest.errors import PayloadInvalid
from bot.ingest.fields import (
    MAX_TITLE_CHARS,
    LinkList,
    bounded_key,
    clip,
    decode_object,
    event_time,
    flatten_labels,
)
from bot.ingest.severity_map import DEFAULT_SEVERITY_MAP, SeverityMap

# a marshal incident id (bot/domain/ids.py), as marshal's pages send it as the dedup_key
MARSHAL_ID = re.compile(r"^inc-[0-9a-z]{15}$")

RESOLVED_EVENTS = frozenset({"incident.resolved"})


class Reference(BaseModel):
    """PagerDuty's `*_reference` objects: an id, a human summary and a link."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    type: str | None = None
    summary: str | None = None
    html_url: str | None = None


class ConferenceBridge(BaseModel):
    model_config = ConfigDict(extra="allow")

    conference_number: str | None = None
    conference_url: str | None = None


class PagerDutyIncident(BaseModel):
    """`event.data` when `event.data.type` is "incident"."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    type: str
    title: str
    status: str
    html_url: str | None = None
    number: int | None = None
    incident_key: str | None = None
    urgency: str | None = None
    priority: Reference | None = None
    service: Reference | None = None
    escalation_policy: Reference | None = None
    teams: list[Reference] = Field(default_factory=list)
    assignees: list[Reference] = Field(default_factory=list)
    conference_bridge: ConferenceBridge | None = None


class PagerDutyEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1)
    event_type: str = Field(min_length=1)
    resource_type: str | None = None
    occurred_at: str | None = None
    data: dict[str, Any] | None = None


class PagerDutyWebhook(BaseModel):
    model_config = ConfigDict(extra="allow")

    event: PagerDutyEvent


DRILL_TITLE_PREFIX = "[drill]"


def _incident(event: PagerDutyEvent) -> PagerDutyIncident | None:
    if not event.event_type.startswith("incident.") or not event.data:
        return None
    if event.data.get("type") != "incident":
        return None  # notes, responders and status updates describe an incident, not alert it
    try:
        return PagerDutyIncident.model_validate(event.data)
    except ValidationError as exc:
        raise PayloadInvalid.from_validation(exc, prefix="event.data") from None


def normalise(
    webhook: PagerDutyWebhook, severities: SeverityMap, raw: dict[str, Any] | None = None
) -> list[Alert]:
    event = webhook.event
    incident = _incident(event)
    if incident is None:
        return []
    resolved = event.event_type in RESOLVED_EVENTS or incident.status == "resolved"
    priority = incident.priority.summary if incident.priority else None
    links = LinkList()
    links.add(f"PagerDuty incident #{incident.number or incident.id}", incident.html_url)
    if incident.conference_bridge:
        links.add("Conference bridge", incident.conference_bridge.conference_url)
    if incident.service:
        links.add(f"PagerDuty service: {incident.service.summary or ''}", incident.service.html_url)
    labels = flatten_labels(
        {
            "pagerduty_event_type": event.event_type,
            "pagerduty_incident_number": incident.number,
            "pagerduty_incident_key": incident.incident_key,
            "pagerduty_status": incident.status,
            "urgency": incident.urgency,
            "priority": priority,
            "escalation_policy": incident.escalation_policy.summary
            if incident.escalation_policy
            else None,
            # the id, so the war room can ask PagerDuty REST who is on call for it
            "pagerduty_escalation_policy_id": incident.escalation_policy.id
            if incident.escalation_policy
            else None,
            # a page marshal sent: its dedup_key (the marshal incident id) is the incident_key
            "marshal_incident": incident.incident_key
            if incident.incident_key and MARSHAL_ID.match(incident.incident_key)
            else None,
        }
    )
    title = clip(incident.title, MAX_TITLE_CHARS) or f"PagerDuty incident {incident.id}"
    return [
        Alert(
            source=AlertSource.PAGERDUTY,
            external_id=event.id,
            group_key=bounded_key("pagerduty", incident.id),
            status=AlertStatus.RESOLVED if resolved else AlertStatus.FIRING,
            title=title,
            severity=severities.resolve(priority, incident.urgency),
            service=incident.service.summary if incident.service else None,
            team=next((t.summary for t in incident.teams if t.summary), None),
            description=f"PagerDuty {event.event_type} ({incident.status})",
            links=links.links,
            labels=labels,
            # PagerDuty carries no labels: `marshal drill` (and a person running one by hand)
            # marks a drill by its title, so drills stay out of reports.
            drill=incident.title.strip().lower().startswith(DRILL_TITLE_PREFIX),
            raw=raw if raw is not None else webhook.model_dump(mode="json"),
            event_unique=True,  # PagerDuty gives every event its own id
            occurred_at=event_time(event.occurred_at),
        )
    ]


def parse(body: bytes, severities: SeverityMap = DEFAULT_SEVERITY_MAP) -> list[Alert]:
    raw = decode_object(body)
    try:
        webhook = PagerDutyWebhook.model_validate(raw)
    except ValidationError as exc:
        raise PayloadInvalid.from_validation(exc) from None
    return normalise(webhook, severities, raw)
