"""The resolve flow's buttons: "Resolve incident" (offered when the alert clears) and the
pulse rating 1-5. Both re-read the incident from the store; the press names only its id."""

from __future__ import annotations

from bot.domain.errors import MarshalError
from bot.ports.store import Incidents
from bot.services.permissions import IncidentPermissions
from bot.services.resolution.ratings import RatingRecorder, average
from bot.services.resolution.starter import ResolutionStarter, Started
from bot.services.slack_text import escape
from bot.slack.actions import ActionInvocation, ActionRoute
from bot.slack.blocks.resolution import parse_rating
from bot.slack.vocabulary import RATE_ACTIONS, ActionId


class ResolutionButtons:
    def __init__(
        self,
        store: Incidents,
        starter: ResolutionStarter,
        ratings: RatingRecorder,
        permissions: IncidentPermissions,
    ) -> None:
        self._store = store
        self._starter = starter
        self._ratings = ratings
        self._permissions = permissions

    def routes(self) -> tuple[ActionRoute, ...]:
        return (
            ActionRoute(ActionId.RESOLVE_INCIDENT, self.resolve),
            *(ActionRoute(action, self.rate) for action in RATE_ACTIONS),
        )

    def resolve(self, action: ActionInvocation) -> str | None:
        incident = self._store.get(action.value)
        if incident is None:
            return "That button does not name an incident marshal knows."
        decision = self._permissions.may_resolve(action.user_id, incident)
        if not decision.allowed:
            return f"Sorry, you may not resolve this incident: {decision.reason}."
        try:
            started = self._starter.resolve(incident, action.user_id, None)
        except MarshalError as exc:
            return f"marshal could not resolve the incident: {escape(exc)}"
        if started.outcome is Started.RESOLVED:
            # The announcement step tells the room; this confirms the press to the presser.
            return "Resolved. The announcement, rating and postmortem follow in the room."
        return "This incident is already resolved."

    def rate(self, action: ActionInvocation) -> str | None:
        parsed = parse_rating(action.value)
        if parsed is None:
            return "That rating button is not one marshal made."
        incident_id, score = parsed
        try:
            stored = self._ratings.record(incident_id, action.user_id, score)
        except MarshalError as exc:
            return f"Your rating was not saved: {escape(exc)}"
        return (
            f"Thanks, your rating is {score}/5 (average {average(stored)} "
            f"from {_people(len(stored.ratings))}). Press another number to change it."
        )


def _people(count: int) -> str:
    return f"{count} person" if count == 1 else f"{count} people"
