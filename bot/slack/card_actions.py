"""The incident card's Join button: the press names only the incident; the answer goes to
the presser alone."""

from __future__ import annotations

from bot.services.incident_cards.join import RoomJoining
from bot.slack.actions import ActionInvocation, ActionRoute
from bot.slack.vocabulary import ActionId


class CardButtons:
    def __init__(self, joining: RoomJoining) -> None:
        self._joining = joining

    def routes(self) -> tuple[ActionRoute, ...]:
        return (ActionRoute(ActionId.JOIN_INCIDENT, self.join),)

    def join(self, action: ActionInvocation) -> str | None:
        return self._joining.join(action.value, action.user_id)
