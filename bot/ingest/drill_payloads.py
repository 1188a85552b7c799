"""Synthetic alert payloads for drills: one realistic body per source, marked `drill=true`.

Each body is shaped like the vendor's real webhook so a drill exercises the same parser,
signature check and dedup path as a real page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.domain.severity import Severity

DRILL_SERVICE = "drill-service"
DRILL_TEAM = "drills"

_LABEL_SEVERITY = {
    Severity.P1: "critical",
    Severity.P2: "error",
    Severity.P3: "warning",
    Severity.P4: "info",
    Severity.P5: "debug",
}


def _labels(severity: Severity, run_id: str) -> dict[str, str]:
    return {
        "alertname": "MarshalDrill",
        "severity": _LABEL_SEVERITY[severity],
        "service": DRILL_SERVICE,
        "team": DRILL_TEAM,
        "drill": "true",
        "drill_run": run_id,
    }


def _generic(severity: Severity, run_id: str, title: str, now: datetime) -> dict[str, Any]:
    return {
        "dedup_key": f"drill-{run_id}",
        "status": "firing",
        "title": title,
        "severity": severity.value,
        "service": DRILL_SERVICE,
        "team": DRILL_TEAM,
        "description": f"Synthetic alert fired by `marshal drill` at {now.isoformat()}.",
        "links": [{"title": "Drill runbook", "url": "https://example.org/runbooks/drill"}],
        "labels": {"drill": "true", "drill_run": run_id},
    }


def _alertmanager(severity: Severity, run_id: str, title: str, now: datetime) -> dict[str, Any]:
    labels = _labels(severity, run_id)
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="MarshalDrill", drill_run="{run_id}"}}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "marshal",
        "groupLabels": {"alertname": "MarshalDrill", "drill_run": run_id},
        "commonLabels": labels,
        "commonAnnotations": {"summary": title},
        "externalURL": "http://alertmanager.example.org",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": title, "description": "Synthetic drill alert."},
                "startsAt": now.isoformat(),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example.org/graph?g0.expr=up",
                "fingerprint": run_id[:16],
            }
        ],
    }


def _grafana(severity: Severity, run_id: str, title: str, now: datetime) -> dict[str, Any]:
    body = _alertmanager(severity, run_id, title, now)
    body.update({"orgId": 1, "title": f"[FIRING:1] {title}", "state": "alerting", "message": title})
    return body


def _grafana_oncall(severity: Severity, run_id: str, title: str, now: datetime) -> dict[str, Any]:
    return {
        "event": {"type": "alert group created", "time": now.isoformat()},
        "user": None,
        "alert_group": {
            "id": f"DRILL{run_id[:8].upper()}",
            "alerts_count": 1,
            "state": "firing",
            "created_at": now.isoformat(),
            "title": title,
            "permalinks": {"web": f"https://oncall.example.org/alert-groups/DRILL{run_id[:8]}"},
            "labels": {"severity": _LABEL_SEVERITY[severity], "drill": "true"},
        },
        "alert_group_id": f"DRILL{run_id[:8].upper()}",
        "alert_payload": {
            "status": "firing",
            "labels": _labels(severity, run_id),
            "annotations": {"description": "Synthetic drill alert."},
        },
        "integration": {"id": "DRILL", "type": "webhook", "name": "marshal drill", "labels": {}},
        "notified_users": [],
    }


def _pagerduty(severity: Severity, run_id: str, title: str, now: datetime) -> dict[str, Any]:
    service = {"id": "PDRILL1", "type": "service_reference", "summary": DRILL_SERVICE}
    return {
        "event": {
            "id": f"drill-{run_id}",
            "event_type": "incident.triggered",
            "resource_type": "incident",
            "occurred_at": now.isoformat(),
            "agent": service,
            "data": {
                "id": f"QDRILL{run_id[:8].upper()}",
                "type": "incident",
                "html_url": f"https://example.pagerduty.com/incidents/QDRILL{run_id[:8]}",
                "number": 1,
                "status": "triggered",
                "title": f"[drill] {title}",
                "created_at": now.isoformat(),
                "urgency": "high" if severity.at_least(Severity.P2) else "low",
                "priority": {"id": "PRIO", "type": "priority", "summary": severity.value},
                "service": service,
                "assignees": [],
                "teams": [],
            },
        }
    }


PayloadBuilder = Callable[[Severity, str, str, datetime], dict[str, Any]]

BUILDERS: dict[str, PayloadBuilder] = {
    "generic": _generic,
    "alertmanager": _alertmanager,
    "grafana": _grafana,
    "grafana-oncall": _grafana_oncall,
    "pagerduty": _pagerduty,
}


def drill_payload(source: str, severity: Severity, run_id: str, title: str) -> dict[str, Any]:
    return BUILDERS[source](severity, run_id, title, datetime.now(UTC))
