"""What the incident page and the audit page show, built on the operator read models
(bot/services/operator), the same the HTTP API and MCP serve.

The incident page: the record (header, roles, durations), its timeline (notes, pinned
messages, status updates) with the changes from its audit trail woven in, its status-page
drafts and what was published, the sections other capabilities add (paging, follow-ups),
and its links. The audit page: the chain's events and the verdict of the same checks
`marshal audit verify` runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.audit import AuditAction, AuditEvent, CorruptAuditEvent
from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.services.audit_verifier import AuditVerifier, ChainReport
from bot.services.incident_metrics import ResponseTimes
from bot.services.operator.incident_detail import IncidentDetailReader
from bot.services.operator.views import DraftItem, TimelineItem

# Audit actions that are changes worth a line in the timeline next to the notes.
_CHANGES = frozenset(
    {
        AuditAction.INCIDENT_CREATED,
        AuditAction.STATUS_CHANGED,
        AuditAction.SEVERITY_CHANGED,
        AuditAction.ACKNOWLEDGED,
        AuditAction.ROLE_ASSIGNED,
        AuditAction.WAR_ROOM_CREATED,
        AuditAction.STATUS_PUBLISHED,
        AuditAction.RESOLVED,
        AuditAction.REOPENED,
        AuditAction.NUDGES_SILENCED,
        AuditAction.POSTMORTEM_FILED,
    }
)


@dataclass(frozen=True)
class TimelineRow:
    at: str
    who: str
    kind: str
    text: str


@dataclass(frozen=True)
class IncidentPage:
    incident: Incident
    timeline: list[TimelineRow]
    drafts: list[DraftItem]
    durations: ResponseTimes
    sections: dict[str, Any] = field(default_factory=dict)
    tracker_links: list[str] = field(default_factory=list)
    audit_problem: str = ""  # the audit trail could not be read: the changes are missing


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S")


def _change_text(event: AuditEvent) -> str:
    details = ", ".join(f"{k}={v}" for k, v in sorted(event.details.items()) if k != "user")
    label = event.action.value.replace("_", " ").lower()
    return f"{label} ({details})" if details else label


def timeline_rows(entries: list[TimelineItem], events: list[AuditEvent]) -> list[TimelineRow]:
    rows = [(e.at, TimelineRow(_when(e.at), e.author, e.kind, e.text)) for e in entries]
    rows += [
        (ev.at, TimelineRow(_when(ev.at), ev.actor, "change", _change_text(ev)))
        for ev in events
        if ev.action in _CHANGES
    ]
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


def _tracker_links(events: list[AuditEvent]) -> list[str]:
    links = []
    for event in events:
        url = event.details.get("url")
        is_http = isinstance(url, str) and url.startswith(("https://", "http://"))
        if event.action is AuditAction.POSTMORTEM_FILED and is_http:
            links.append(str(url))
    return links


class IncidentReader:
    def __init__(
        self, details: IncidentDetailReader, audit: AuditLog, verifier: AuditVerifier
    ) -> None:
        self._details = details
        self._audit = audit
        self._verifier = verifier

    def incident(self, incident_id: str) -> Incident | None:
        return self._details.incident(incident_id)

    def page(self, incident: Incident) -> IncidentPage:
        detail = self._details.describe(incident)
        events, problem = self._events(incident.id)
        return IncidentPage(
            incident=incident,
            timeline=timeline_rows(detail.timeline, events),
            drafts=detail.drafts,
            durations=detail.durations,
            sections=detail.sections,
            tracker_links=_tracker_links(events),
            audit_problem=problem,
        )

    def audit_trail(self, incident_id: str) -> tuple[list[AuditEvent], ChainReport]:
        report = self._verifier.verify(incident_id, is_incident=True)
        events, _ = self._events(incident_id)  # a corrupt row is among the report's problems
        return events, report

    def _events(self, incident_id: str) -> tuple[list[AuditEvent], str]:
        """The chain's events; none, and why, when a stored row is not a valid event (the
        page still shows, and the audit page names the tampering)."""
        try:
            return self._audit.events(incident_id), ""
        except CorruptAuditEvent as exc:
            return [], f"the audit trail could not be read ({exc}); see the audit page"
