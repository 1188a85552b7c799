"""Pulse rating: "How did this response go?" 1-5 buttons in the room (bot/slack/blocks/
resolution.py); one vote per user, changeable (a new press replaces the old vote), stored
on the incident and audited."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.domain.errors import NotFound
from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents
from bot.services.incident_updates import apply_change

SCORES = range(1, 6)


def average(incident: Incident) -> float | None:
    votes = list(incident.ratings.values())
    return round(sum(votes) / len(votes), 2) if votes else None


class RatingRecorder:
    def __init__(self, store: Incidents, audit: AuditLog) -> None:
        self._store = store
        self._audit = audit

    def record(self, incident_id: str, user_id: str, score: int) -> Incident:
        if score not in SCORES:
            raise ValueError(f"a rating is 1 to 5, not {score}")
        incident = self._store.get(incident_id)
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        previous = incident.ratings.get(user_id)

        def vote(current: Incident) -> Incident | None:
            if current.ratings.get(user_id) == score:
                return None
            return current.model_copy(update={"ratings": {**current.ratings, user_id: score}})

        stored, changed = apply_change(self._store, incident, vote)
        if changed:
            self._audit.append(
                stored.id,
                actor=user_id,
                action=AuditAction.RATING_RECORDED,
                details={"user": user_id, "score": score, "previous": previous},
            )
        return stored
