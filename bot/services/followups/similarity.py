"""SimilarIncidents: up to three earlier incidents like a new one, scored deterministically,
each with its postmortem and follow-up status (posted when a war room is assembled).

The score, the same for every run over the same store: 5 for the same alert group, 3 for the
same service, up to 3 for the title's shared words (Jaccard over words of 3+ letters), and
0.5 per shared label (at most 2). Below MIN_SCORE is not similar. Ties go to the newer
incident, then the id. Candidates are the newest MAX_CANDIDATES real incidents of the last
LOOKBACK, read from the store's newest-first index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.models import Incident
from bot.ports.followups import FollowUpStore
from bot.ports.slack_views import SimilarIncidentRow, SimilarIncidentsView
from bot.ports.store import Incidents
from bot.services.resolution.steps import ResolutionStep

LOOKBACK = timedelta(days=90)
MAX_CANDIDATES = 500
MIN_SCORE = 2.0
SHOWN = 3
_WORD = re.compile(r"[a-z0-9]{3,}")
_PAGE = 100


@dataclass(frozen=True)
class Match:
    incident: Incident
    score: float
    reasons: tuple[str, ...]


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def score(new: Incident, old: Incident) -> Match:
    points = 0.0
    reasons: list[str] = []
    if new.group_key == old.group_key:
        points += 5
        reasons.append("same alert group")
    if new.service and new.service == old.service:
        points += 3
        reasons.append("same service")
    a, b = _words(new.title), _words(old.title)
    if a and b:
        overlap = len(a & b) / len(a | b)
        if overlap:
            points += 3 * overlap
            reasons.append(f"similar title ({overlap:.0%})")
    shared = set(new.labels.items()) & set(old.labels.items())
    if shared:
        points += min(2.0, 0.5 * len(shared))
        reasons.append(f"{len(shared)} shared label(s)")
    return Match(old, round(points, 3), tuple(reasons))


class SimilarIncidents:
    def __init__(self, store: Incidents, followups: FollowUpStore) -> None:
        self._store = store
        self._followups = followups

    def matches(self, incident: Incident) -> list[Match]:
        since = incident.triggered_at - LOOKBACK
        found: list[Match] = []
        cursor: str | None = None
        seen = 0
        while seen < MAX_CANDIDATES:
            page = self._store.list_incidents(open_only=False, limit=_PAGE, cursor=cursor)
            for old in page.items:
                seen += 1
                if old.triggered_at < since:
                    return _best(found)
                if old.id == incident.id or old.drill or old.triggered_at > incident.triggered_at:
                    continue
                match = score(incident, old)
                if match.score >= MIN_SCORE:
                    found.append(match)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        return _best(found)

    def view(self, incident: Incident) -> SimilarIncidentsView | None:
        """The room's message, or None when nothing earlier is like it."""
        rows = tuple(self._row(m) for m in self.matches(incident))
        return SimilarIncidentsView(incident.id, rows) if rows else None

    def _row(self, match: Match) -> SimilarIncidentRow:
        old = match.incident
        followups = self._followups.for_incident(old.id)
        filed = old.resolution.get(ResolutionStep.POSTMORTEM_FILED.value)
        return SimilarIncidentRow(
            id=old.id,
            title=old.title,
            severity=old.severity.value,
            status=old.status.value,
            triggered_at=old.triggered_at,
            score=match.score,
            reasons=match.reasons,
            postmortem_url=str(filed.detail.get("url")) if filed else None,
            postmortem_done=old.postmortem_done_at is not None,
            followups_open=sum(1 for f in followups if f.is_open),
            followups_total=len(followups),
        )


def _best(found: list[Match]) -> list[Match]:
    found.sort(key=lambda m: (-m.score, -m.incident.triggered_at.timestamp(), m.incident.id))
    return found[:SHOWN]
