"""What the incident page and the audit page show, read through the ports in one place.

The incident page: the record (header, roles), its timeline (notes, pinned messages, status
updates, changes), its status-page drafts with what was published, and its links. The audit
page: the chain's events and the verdict of the same checks `marshal audit verify` runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.audit import AuditAction, AuditEvent
from bot.domain.models import Incident, StatusPageDraft, TimelineEntry
from bot.ports.audit import AuditLog
from bot.ports.drafts import DraftStore
from bot.ports.store import IncidentsWithTimeline
from bot.services.audit_verifier import AuditVerifier, ChainReport

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
class IncidentDetail:
    incident: Incident
    timeline: list[TimelineRow]
    drafts: list[StatusPageDraft]
    tracker_links: list[str] = field(default_factory=list)


def _when(entry_at: object) -> str:
    return entry_at.strftime("%Y-%m-%d %H:%M:%S") if hasattr(entry_at, "strftime") else ""


def _change_text(event: AuditEvent) -> str:
    details = ", ".join(f"{k}={v}" for k, v in sorted(event.details.items()) if k != "user")
    label = event.action.value.replace("_", " ").lower()
    return f"{label} ({details})" if details else label


def timeline_rows(entries: list[TimelineEntry], events: list[AuditEvent]) -> list[TimelineRow]:
    rows = [(e.at, TimelineRow(_when(e.at), e.author, e.kind.value, e.text)) for e in entries]
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
        self,
        store: IncidentsWithTimeline,
        audit: AuditLog,
        drafts: DraftStore | None,
        verifier: AuditVerifier,
    ) -> None:
        self._store = store
        self._audit = audit
        self._drafts = drafts
        self._verifier = verifier

    def incident(self, incident_id: str) -> Incident | None:
        return self._store.get(incident_id, consistent=False)

    def detail(self, incident: Incident) -> IncidentDetail:
        events = self._audit.events(incident.id)
        drafts = self._drafts.list_for_incident(incident.id) if self._drafts else []
        return IncidentDetail(
            incident=incident,
            timeline=timeline_rows(self._store.list_timeline(incident.id), events),
            drafts=drafts,
            tracker_links=_tracker_links(events),
        )

    def audit_trail(self, incident_id: str) -> tuple[list[AuditEvent], ChainReport]:
        report = self._verifier.verify(incident_id, is_incident=True)
        return self._audit.events(incident_id), report
