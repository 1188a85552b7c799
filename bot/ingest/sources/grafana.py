"""Grafana Alerting webhook contact point payload -> one Alert per notification.

Grafana's payload is Alertmanager's template data plus `orgId`, `title`, `state`, `message`
and per-alert silence/dashboard/panel/image URLs, so the models extend Alertmanager's and the
same rule holds: one group (`groupKey`, scoped by `orgId`) per request, one Alert.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from bot.domain.models import Alert, AlertSource
from bot.ingest.errors import PayloadInvalid
from bot.ingest.fields import LinkList, bounded_key, decode_object
from bot.ingest.severity_map import DEFAULT_SEVERITY_MAP, SeverityMap
from bot.ingest.sources.alertmanager import AlertmanagerAlert, AlertmanagerPayload, normalise_group


class GrafanaAlert(AlertmanagerAlert):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    silence_url: str | None = Field(default=None, alias="silenceURL")
    dashboard_url: str | None = Field(default=None, alias="dashboardURL")
    panel_url: str | None = Field(default=None, alias="panelURL")
    image_url: str | None = Field(default=None, alias="imageURL")

    def add_links(self, links: LinkList) -> None:
        name = self.labels.get("alertname", "alert")
        links.add("Runbook", self.annotations.get("runbook_url"))
        links.add(f"Dashboard: {name}", self.dashboard_url)
        links.add(f"Panel: {name}", self.panel_url)
        links.add(f"Alert rule: {name}", self.generator_url)
        links.add(f"Silence: {name}", self.silence_url)
        links.add(f"Image: {name}", self.image_url)


class GrafanaPayload(AlertmanagerPayload):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    alerts: list[GrafanaAlert] = Field(min_length=1)  # type: ignore[assignment]
    org_id: int = Field(default=1, alias="orgId")
    title: str = ""
    state: str | None = None
    message: str | None = None


def normalise(
    payload: GrafanaPayload, severities: SeverityMap, raw: dict[str, Any] | None = None
) -> list[Alert]:
    return [
        normalise_group(
            payload,
            severities,
            source=AlertSource.GRAFANA,
            group_key=bounded_key("grafana", f"{payload.org_id}:{payload.group_key}"),
            home=("Grafana", payload.external_url),
            fallback_title=payload.title.strip() or "Grafana alert group",
            raw=raw if raw is not None else payload.model_dump(mode="json", by_alias=True),
        )
    ]


def parse(body: bytes, severities: SeverityMap = DEFAULT_SEVERITY_MAP) -> list[Alert]:
    raw = decode_object(body)
    try:
        payload = GrafanaPayload.model_validate(raw)
    except ValidationError as exc:
        raise PayloadInvalid.from_validation(exc) from None
    return normalise(payload, severities, raw)
