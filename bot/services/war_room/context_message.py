"""The incident context message's view: the facts the room needs in its first minute.

Rendering (and escaping the alert's text) is the Slack adapter's: bot/slack/blocks/
incident_context.py. What to show is decided here.
"""

from __future__ import annotations

from bot.domain.models import AlertSource, Incident
from bot.ports.slack_views import IncidentContextView


def incident_context_view(incident: Incident) -> IncidentContextView:
    declared_by = incident.labels.get("declared_by")
    return IncidentContextView(
        incident_id=incident.id,
        title=incident.title,
        severity=incident.severity.value,
        status=incident.status.value,
        source=incident.source.value,
        drill=incident.drill,
        service=incident.service,
        team=incident.team,
        alert_count=incident.alert_count,
        commander=incident.commander,
        triggered_at=incident.triggered_at,
        description=incident.description,
        links=tuple(incident.links),
        # set by `declare` from Slack's own user id; an alert's labels could claim anyone
        declared_by=declared_by if incident.source is AlertSource.SLACK else None,
    )
