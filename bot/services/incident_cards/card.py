"""What the incident card and the room topic say, from the incident alone (pure)."""

from __future__ import annotations

from bot.domain.models import Incident
from bot.ports.slack_views import IncidentCardView, Mrkdwn
from bot.services.incident_metrics import describe_seconds
from bot.services.slack_text import clip, escape, user

TOPIC_LIMIT = 250  # Slack's limit for a channel topic


def card_view(incident: Incident) -> IncidentCardView:
    duration: Mrkdwn | None = None
    if incident.resolved_at is not None:
        seconds = (incident.resolved_at - incident.triggered_at).total_seconds()
        duration = Mrkdwn(describe_seconds(max(0.0, seconds)))
    return IncidentCardView(
        incident_id=incident.id,
        title=incident.title,
        severity=incident.severity.value,
        status=incident.status.value,
        drill=incident.drill,
        commander=incident.commander,
        acknowledged_by=incident.acknowledged_by,
        room_id=incident.channel_id,
        started_at=incident.triggered_at,
        duration=duration,
        joinable=incident.is_open and incident.channel_id is not None,
    )


def topic_for(incident: Incident) -> str:
    """Severity, service, IC, state (and whether anyone acknowledged), title."""
    commander = user(incident.commander, nobody="unassigned")
    service = escape(incident.service or "unknown service")
    state = incident.status.value
    if incident.is_open and not incident.acknowledged_by:
        state += " (not acknowledged)"
    text = f"{incident.severity.value} · {service} · IC: {commander} · {state}"
    return clip(f"{text} · {escape(incident.title)}", TOPIC_LIMIT)
