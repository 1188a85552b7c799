"""The nudge's buttons and its "Post update" modal as Bolt routes: parse, then delegate.

Everything is found from the button value / the modal's private_metadata (the incident id)
and the store, so a button pressed after a restart works the same.
"""

from __future__ import annotations

from bot.services.nudges.interactions import NudgeInteractions
from bot.services.nudges.messages import NudgeActionId, NudgeViewId
from bot.slack.actions import (
    ActionId,
    ActionInvocation,
    ActionRoute,
    ViewId,
    ViewRoute,
    ViewSubmission,
)


class NudgeRoutes:
    def __init__(self, interactions: NudgeInteractions) -> None:
        self._interactions = interactions

    def actions(self) -> list[ActionRoute]:
        return [
            ActionRoute(ActionId(NudgeActionId.POST_UPDATE.value), self.post_update),
            ActionRoute(ActionId(NudgeActionId.SILENCE.value), self.silence),
        ]

    def views(self) -> list[ViewRoute]:
        return [ViewRoute(ViewId(NudgeViewId.STATUS_UPDATE.value), self.status_update_submitted)]

    def post_update(self, action: ActionInvocation) -> str | None:
        return self._interactions.post_update_pressed(action.value, action.trigger_id)

    def silence(self, action: ActionInvocation) -> str | None:
        if not action.channel_id:
            return "This button only works in the incident's channel."
        self._interactions.silence_pressed(action.value, action.user_id, action.channel_id)
        return None

    def status_update_submitted(self, submission: ViewSubmission) -> dict[str, str] | None:
        result = self._interactions.status_update_submitted(
            submission.user_id, submission.private_metadata, submission.values
        )
        return result.errors or None
