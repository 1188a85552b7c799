"""IncidentDetailReader: one incident as an operator sees it, and its audit trail.

The detail carries the timeline, the roles, the derived durations (response_times, the same
figures the postmortem and `marshal report` use) and the status-page drafts. Capabilities
that keep more per incident (paging and escalations, follow-ups) add a `DetailSection`:
wiring hands the reader the list, each section appears under its own name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.drafts import DraftStore
from bot.ports.store import IncidentsWithTimeline
from bot.services.incident_metrics import response_times
from bot.services.operator.views import (
    AuditItem,
    DraftItem,
    IncidentDetail,
    IncidentItem,
    TimelineItem,
)


class DetailSection(Protocol):
    """More about an incident, from another capability (e.g. `escalations`, `followups`)."""

    @property
    def name(self) -> str: ...

    def read(self, incident: Incident) -> Any:
        """JSON-ready data (pydantic models are dumped as JSON)."""


class IncidentDetailReader:
    def __init__(
        self,
        incidents: IncidentsWithTimeline,
        audit: AuditLog,
        drafts: DraftStore | None = None,
        sections: Sequence[DetailSection] = (),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._incidents = incidents
        self._audit = audit
        self._drafts = drafts
        self._sections = tuple(sections)
        self._clock = clock

    def incident(self, incident_id: str) -> Incident | None:
        return self._incidents.get(incident_id)

    def detail(self, incident_id: str) -> IncidentDetail | None:
        incident = self._incidents.get(incident_id)
        if incident is None:
            return None
        return self.describe(incident)

    def describe(self, incident: Incident) -> IncidentDetail:
        drafts = self._drafts.list_for_incident(incident.id) if self._drafts else []
        open_for = None
        if incident.is_open:
            open_for = max(0.0, (self._clock() - incident.triggered_at).total_seconds())
        return IncidentDetail(
            incident=IncidentItem.of(incident),
            description=incident.description,
            labels=incident.labels,
            links=[link.model_dump() for link in incident.links],
            roles={role.value: who for role, who in incident.roles.items()},
            durations=response_times(incident),
            open_for_seconds=open_for,
            timeline=[TimelineItem.of(e) for e in self._incidents.list_timeline(incident.id)],
            drafts=[DraftItem.of(d) for d in drafts],
            sections={s.name: _jsonable(s.read(incident)) for s in self._sections},
        )

    def timeline(self, incident_id: str) -> list[TimelineItem] | None:
        if self._incidents.get(incident_id) is None:
            return None
        return [TimelineItem.of(e) for e in self._incidents.list_timeline(incident_id)]

    def audit_trail(self, incident_id: str) -> list[AuditItem] | None:
        """The incident's audit events in chain order; None when no such incident exists."""
        if self._incidents.get(incident_id) is None:
            return None
        return [AuditItem.of(e) for e in self._audit.events(incident_id)]


def _jsonable(value: Any) -> Any:
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
