"""Prometheus Alertmanager webhook_config payload (version 4) -> one Alert per notification.

Alertmanager batches the alerts of one aggregation group into one request, identified by
`groupKey`. The group is the unit of an incident, so a request yields exactly one Alert whose
status is the payload's top-level `status` (firing while any alert in the group still fires).
Grafana Alerting's payload extends this one; bot/ingest/sources/grafana.py reuses the models.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

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
    flatten_labels,
    is_drill,
    people,
    pick,
)
from bot.ingest.severity_map import DEFAULT_SEVERITY_MAP, SeverityMap

_DESCRIBED_ALERTS = 10  # a storm of 500 alerts gets a readable description, not a novel


class AlertmanagerAlert(BaseModel):
    """One alert of the group, as Alertmanager's template data describes it."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: str | None = Field(default=None, alias="startsAt")
    ends_at: str | None = Field(default=None, alias="endsAt")
    generator_url: str | None = Field(default=None, alias="generatorURL")
    fingerprint: str | None = None

    def identity(self) -> str:
        """Alertmanager's fingerprint; a hash of the labels when an old sender omits it."""
        if self.fingerprint:
            return self.fingerprint
        return hashlib.sha256(json.dumps(self.labels, sort_keys=True).encode()).hexdigest()[:16]

    def add_links(self, links: LinkList) -> None:
        name = self.labels.get("alertname", "alert")
        links.add("Runbook", self.annotations.get("runbook_url"))
        links.add(f"Source: {name}", self.generator_url)


class AlertmanagerPayload(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    version: str | None = None
    group_key: str = Field(alias="groupKey", min_length=1)
    status: Literal["firing", "resolved"]
    receiver: str = ""
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str | None = Field(default=None, alias="externalURL")
    truncated_alerts: int = Field(default=0, alias="truncatedAlerts")
    alerts: list[AlertmanagerAlert] = Field(min_length=1)


def notification_id(payload: AlertmanagerPayload) -> str:
    """Same group, same status, same alerts in the same states -> same id (a re-send)."""
    members = sorted(f"{a.identity()}={a.status}" for a in payload.alerts)
    text = "\n".join([payload.group_key, payload.status, *members])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _title(payload: AlertmanagerPayload, firing: list[AlertmanagerAlert], fallback: str) -> str:
    common = payload.common_annotations
    summary = common.get("summary") or common.get("title")
    if summary:
        return summary
    first = payload.alerts[0]
    if len(payload.alerts) == 1 and first.annotations.get("summary"):
        return first.annotations["summary"]
    name = (
        payload.common_labels.get("alertname")
        or payload.group_labels.get("alertname")
        or first.labels.get("alertname")
        or fallback
    )
    return f"{name} ({len(firing)} alerts)" if len(firing) > 1 else name


def _distinguishing(alert: AlertmanagerAlert, common: dict[str, str]) -> str:
    """What sets this alert apart in its group: its labels that are not common to all."""
    own = [f"{k}={v}" for k, v in sorted(alert.labels.items()) if common.get(k) != v]
    return ", ".join(own) or alert.labels.get("alertname") or alert.identity()


def _description(payload: AlertmanagerPayload, shown: list[AlertmanagerAlert]) -> str:
    common = payload.common_annotations
    if common.get("description"):
        return common["description"]
    if len(shown) == 1:
        notes = shown[0].annotations
        return notes.get("description") or notes.get("summary") or ""
    lines = []
    for alert in shown[:_DESCRIBED_ALERTS]:
        name = _distinguishing(alert, payload.common_labels)
        text = alert.annotations.get("description") or alert.annotations.get("summary") or ""
        lines.append(f"- [{alert.status}] {name}: {text}".rstrip(": "))
    if len(shown) > _DESCRIBED_ALERTS:
        lines.append(f"- … and {len(shown) - _DESCRIBED_ALERTS} more")
    if payload.truncated_alerts:
        lines.append(f"- (the sender left out {payload.truncated_alerts} more alerts)")
    return "\n".join(lines)


def normalise_group(
    payload: AlertmanagerPayload,
    severities: SeverityMap,
    *,
    source: AlertSource,
    group_key: str,
    home: tuple[str, str | None],
    fallback_title: str,
    raw: dict[str, Any],
) -> Alert:
    """One Alert for an Alertmanager-style group notification (also used by Grafana)."""
    firing = [a for a in payload.alerts if a.status == "firing"]
    shown = firing or payload.alerts
    labels = flatten_labels(
        payload.group_labels,
        payload.common_labels,
        payload.alerts[0].labels if len(payload.alerts) == 1 else None,
    )
    first_labels = shown[0].labels
    severity_words: list[str | None] = [
        a.labels.get(name) for a in shown for name in ("severity", "priority")
    ]
    links = LinkList()
    links.add("Runbook", payload.common_annotations.get("runbook_url"))
    for alert in shown:
        alert.add_links(links)
    links.add(*home)
    return Alert(
        source=source,
        external_id=notification_id(payload),
        group_key=group_key,
        status=AlertStatus(payload.status),
        title=clip(_title(payload, firing, fallback_title), MAX_TITLE_CHARS) or fallback_title,
        severity=severities.worst(severity_words) or severities.default,
        service=pick(labels, SERVICE_LABELS) or pick(first_labels, SERVICE_LABELS),
        team=pick(labels, TEAM_LABELS) or pick(first_labels, TEAM_LABELS),
        description=clip(_description(payload, shown), MAX_DESCRIPTION_CHARS),
        links=links.links,
        labels=labels,
        oncall=people(payload.common_annotations.get("oncall"), labels.get("oncall")),
        drill=is_drill(labels) or any(is_drill(a.labels) for a in payload.alerts),
        raw=raw,
    )


def normalise(
    payload: AlertmanagerPayload, severities: SeverityMap, raw: dict[str, Any] | None = None
) -> list[Alert]:
    return [
        normalise_group(
            payload,
            severities,
            source=AlertSource.ALERTMANAGER,
            group_key=bounded_key("alertmanager", payload.group_key),
            home=("Alertmanager", payload.external_url),
            fallback_title="Alertmanager alert group",
            raw=raw if raw is not None else payload.model_dump(mode="json", by_alias=True),
        )
    ]


def parse(body: bytes, severities: SeverityMap = DEFAULT_SEVERITY_MAP) -> list[Alert]:
    raw = decode_object(body)
    try:
        payload = AlertmanagerPayload.model_validate(raw)
    except ValidationError as exc:
        raise PayloadInvalid.from_validation(exc) from None
    return normalise(payload, severities, raw)
