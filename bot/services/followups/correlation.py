"""IncidentCorrelation: `/marshal correlate` links two incidents in both timelines and both
audit chains. Linking the same pair again adds nothing (each timeline entry carries the other
incident in its source ref, each audit event a fixed id)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.audit import AuditAction
from bot.domain.errors import NotFound
from bot.domain.followups import FollowUpError
from bot.domain.models import Incident, TimelineEntry, TimelineKind
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentsWithTimeline


@dataclass(frozen=True)
class Correlated:
    incident: Incident
    other: Incident
    new: bool  # False: the two were linked already


class IncidentCorrelation:
    def __init__(self, store: IncidentsWithTimeline, audit: AuditLog) -> None:
        self._store = store
        self._audit = audit

    def link(self, incident_id: str, other_id: str, *, by: str) -> Correlated:
        """Raises NotFound for an unknown id and FollowUpError for an incident and itself."""
        if incident_id == other_id:
            raise FollowUpError("an incident cannot be correlated with itself")
        incident, other = self._get(incident_id), self._get(other_id)
        new = False
        for one, two in ((incident, other), (other, incident)):
            ref = f"correlated:{two.id}"
            if self._store.find_timeline_by_ref(one.id, ref) is None:
                new = True
                self._store.add_timeline(
                    TimelineEntry(
                        incident_id=one.id,
                        author=by,
                        kind=TimelineKind.SYSTEM,
                        text=f"Correlated with {two.id} ({two.severity.value}): {two.title}",
                        source_ref=ref,
                    )
                )
            self._audit.append(
                one.id,
                actor=by,
                action=AuditAction.INCIDENTS_CORRELATED,
                details={"with": two.id},
                event_id=f"{one.id}.correlated.{two.id}",
            )
        return Correlated(incident, other, new)

    def _get(self, incident_id: str) -> Incident:
        found = self._store.get(incident_id)
        if found is None:
            raise NotFound(f"no incident {incident_id}")
        return found
