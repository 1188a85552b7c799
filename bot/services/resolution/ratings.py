"""Pulse rating: "How did this response go?" 1-5 buttons in the room; one vote per user,
changeable (a new press replaces the old vote), stored on the incident and audited."""

from __future__ import annotations

from typing import Any

from bot.domain.audit import AuditAction
from bot.domain.errors import NotFound
from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents
from bot.services.incident_updates import apply_change

RATE_ACTION_ID = "marshal.incident.rate"
SCORES = range(1, 6)


def rating_value(incident_id: str, score: int) -> str:
    return f"{incident_id}:{score}"


def parse_rating(value: str) -> tuple[str, int] | None:
    incident_id, _, score = value.rpartition(":")
    if not incident_id or not score.isdigit() or int(score) not in SCORES:
        return None
    return incident_id, int(score)


def rating_blocks(incident: Incident) -> list[dict[str, Any]]:
    return [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*Pulse check:* how did this incident response go? "
                "(1 = rough, 5 = smooth; you can change your vote)",
            },
        },
        {
            "type": "actions",
            "block_id": "marshal.rating",
            "elements": [
                {
                    "type": "button",
                    "action_id": f"{RATE_ACTION_ID}.{score}",
                    "text": {"type": "plain_text", "text": str(score)},
                    "value": rating_value(incident.id, score),
                }
                for score in SCORES
            ],
        },
    ]


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
