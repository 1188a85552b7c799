"""SimilarIncidents: past incidents that look like this one, for responders and agents.

A plain, explainable score over the most recent incidents (at most SCAN of them): the share
of title words the two have in common (Jaccard), plus a bonus for the same service. No model
and nothing sent anywhere; good enough to surface "this happened last Tuesday too".
"""

from __future__ import annotations

import re

from pydantic import BaseModel

from bot.domain.models import Incident
from bot.ports.store import Incidents
from bot.services.operator.views import IncidentItem

SCAN = 500
SAME_SERVICE_BONUS = 0.5
_WORD = re.compile(r"[a-z0-9]{3,}")


class SimilarIncident(BaseModel):
    score: float
    incident: IncidentItem


def _words(title: str) -> set[str]:
    return set(_WORD.findall(title.lower()))


class SimilarIncidents:
    def __init__(self, incidents: Incidents) -> None:
        self._incidents = incidents

    def like(self, incident: Incident, *, limit: int = 5) -> list[SimilarIncident]:
        mine = _words(incident.title)
        scored: list[SimilarIncident] = []
        cursor: str | None = None
        seen = 0
        while seen < SCAN:
            page = self._incidents.list_incidents(open_only=False, limit=100, cursor=cursor)
            seen += len(page.items)
            for other in page.items:
                if other.id == incident.id:
                    continue
                theirs = _words(other.title)
                union = mine | theirs
                score = len(mine & theirs) / len(union) if union else 0.0
                if incident.service and other.service == incident.service:
                    score += SAME_SERVICE_BONUS
                if score > 0:
                    scored.append(
                        SimilarIncident(score=round(score, 3), incident=IncidentItem.of(other))
                    )
            cursor = page.next_cursor
            if cursor is None:
                break
        scored.sort(key=lambda s: (-s.score, -s.incident.triggered_at.timestamp()))
        return scored[: max(1, min(limit, 20))]
