"""Grafana OnCall outgoing webhook ("forward all" payload) -> one Alert per alert group event.

Also accepts the payload the TypeScript marshal's drill sends (`alert_group` + `alerts` +
`team_name`, no `event`), since DESIGN.md promises compatibility with it.

One request describes one alert group, so it yields exactly one Alert grouped by the alert
group id. Its identity is the group id + event type + event time: a re-sent event dedups, while
a later resolve after an unresolve is a new notification.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.domain.models import Alert, AlertSource, AlertStatus
from bot.ingest.errors import PayloadInvalid
from bot.ingest.fields import (
    MAX_DESCRIPTION_CHARS,
    MAX_TITLE_CHARS,
    SERVICE_LABELS,
    TEAM_LABELS,
    LinkList,
    bounded_key,
    clip,
    decode_object,
    event_time,
    flatten_labels,
    is_drill,
    people,
    pick,
    scalar_text,
    severity_from_labels,
)
from bot.ingest.severity_map import DEFAULT_SEVERITY_MAP, SeverityMap

RESOLVED_EVENTS = frozenset({"resolve"})
RESOLVED_STATES = frozenset({"resolved"})


class OnCallEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = Field(min_length=1)
    time: str | None = None


class OnCallUser(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = None
    username: str | None = None
    email: str | None = None


class OnCallAlertGroup(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = None
    title: str | None = None
    state: str | None = None
    permalinks: dict[str, str | None] = Field(default_factory=dict)
    labels: dict[str, Any] = Field(default_factory=dict)


class OnCallIntegration(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str | None = None
    type: str | None = None
    name: str | None = None
    team: str | None = None


class TypeScriptAlert(BaseModel):
    """An entry of `alerts` in the TypeScript marshal's drill payload."""

    model_config = ConfigDict(extra="allow")

    id: str | None = None
    title: str | None = None
    message: str | None = None
    source_url: str | None = None
    image_url: str | None = None
    received_at: str | None = None


class OnCallPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    alert_group_id: str | None = None
    alert_group: OnCallAlertGroup | None = None
    event: OnCallEvent | None = None
    user: OnCallUser | None = None
    alert_payload: dict[str, Any] | None = None
    integration: OnCallIntegration | None = None
    notified_users: list[OnCallUser] = Field(default_factory=list)
    users_to_notify: list[OnCallUser] = Field(default_factory=list)
    users_to_be_notified: list[OnCallUser] = Field(default_factory=list)
    # The TypeScript marshal's shape
    team_name: str | None = None
    labels: dict[str, Any] | None = None
    alerts: list[TypeScriptAlert] = Field(default_factory=list)

    @property
    def group_id(self) -> str:
        from_group = self.alert_group.id if self.alert_group else None
        return (self.alert_group_id or from_group or "").strip()

    @property
    def state(self) -> str | None:
        return self.alert_group.state if self.alert_group else None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text_of(mapping: dict[str, Any], key: str) -> str | None:
    text = scalar_text(mapping.get(key))
    return (text.strip() or None) if text else None


def notification_id(payload: OnCallPayload) -> str:
    if payload.event:
        return f"{payload.group_id}:{payload.event.type}:{payload.event.time or ''}"
    alert_ids = ",".join(sorted(a.id or "" for a in payload.alerts))
    digest = hashlib.sha256(alert_ids.encode("utf-8")).hexdigest()[:16]
    return f"{payload.group_id}:{payload.state or 'firing'}:{digest}"


def _status(payload: OnCallPayload) -> AlertStatus:
    event_type = payload.event.type if payload.event else None
    if event_type in RESOLVED_EVENTS:
        return AlertStatus.RESOLVED
    if event_type in (None, "status change") and payload.state in RESOLVED_STATES:
        return AlertStatus.RESOLVED
    return AlertStatus.FIRING


def _links(payload: OnCallPayload, annotations: dict[str, Any]) -> LinkList:
    links = LinkList()
    permalinks = payload.alert_group.permalinks if payload.alert_group else {}
    links.add("Grafana OnCall alert group", permalinks.get("web"))
    links.add("Slack thread", permalinks.get("slack"))
    links.add("Telegram", permalinks.get("telegram"))
    links.add("Runbook", annotations.get("runbook_url"))
    alert_payload = _mapping(payload.alert_payload)
    links.add("Source", alert_payload.get("generatorURL"))
    links.add("Source", alert_payload.get("link_to_upstream_details"))
    for alert in payload.alerts:
        links.add(f"Source: {alert.title or alert.id or 'alert'}", alert.source_url)
    return links


def normalise(
    payload: OnCallPayload, severities: SeverityMap, raw: dict[str, Any] | None = None
) -> list[Alert]:
    if not payload.group_id:
        raise PayloadInvalid("alert_group_id", "required (or alert_group.id)")
    alert_payload = _mapping(payload.alert_payload)
    annotations = _mapping(alert_payload.get("annotations"))
    group = payload.alert_group or OnCallAlertGroup()
    labels = flatten_labels(_mapping(alert_payload.get("labels")), group.labels, payload.labels)
    first = payload.alerts[0] if payload.alerts else TypeScriptAlert()
    title = (
        (group.title or "").strip()
        or _text_of(alert_payload, "title")
        or labels.get("alertname")
        or (first.title or "").strip()
        or f"Grafana OnCall alert group {payload.group_id}"
    )
    description = (
        _text_of(annotations, "description")
        or _text_of(annotations, "summary")
        or _text_of(alert_payload, "message")
        or (first.message or "")
    )
    integration = payload.integration or OnCallIntegration()
    users = [*payload.notified_users, *payload.users_to_notify, *payload.users_to_be_notified]
    return [
        Alert(
            source=AlertSource.GRAFANA_ONCALL,
            external_id=notification_id(payload),
            group_key=bounded_key("grafana-oncall", payload.group_id),
            status=_status(payload),
            title=clip(title, MAX_TITLE_CHARS) or f"Grafana OnCall alert group {payload.group_id}",
            severity=severity_from_labels(labels, severities) or severities.default,
            service=pick(labels, SERVICE_LABELS),
            team=pick(labels, TEAM_LABELS) or integration.team or payload.team_name,
            description=clip(description, MAX_DESCRIPTION_CHARS),
            links=_links(payload, annotations).links,
            labels=labels,
            oncall=people(*(u.email for u in users)),
            drill=is_drill(labels),
            raw=raw if raw is not None else payload.model_dump(mode="json"),
            # the id carries the event's type and time: one event, never a recurrence
            event_unique=bool(payload.event and payload.event.time),
            occurred_at=event_time(payload.event.time) if payload.event else None,
        )
    ]


def parse(body: bytes, severities: SeverityMap = DEFAULT_SEVERITY_MAP) -> list[Alert]:
    raw = decode_object(body)
    try:
        payload = OnCallPayload.model_validate(raw)
    except ValidationError as exc:
        raise PayloadInvalid.from_validation(exc) from None
    return normalise(payload, severities, raw)
