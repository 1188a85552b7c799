"""The nudge's buttons and its "Post update" modal as Bolt routes: parse, then delegate.

Everything is found from the button value / the modal's private_metadata (the incident id)
and the store, so a button pressed after a restart works the same.
"""

from __future__ import annotations

from bot.services.nudges.interactions import NudgeInteractions
from bot.slack.actions import ActionInvocation, ActionRoute, ViewRoute, ViewSubmission
from bot.slack.blocks.nudge import read_status_update
from bot.slack.vocabulary import ActionId, InputId, ViewId


class NudgeRoutes:
    def __init__(self, interactions: NudgeInteractions) -> None:
        self._interactions = interactions

    def actions(self) -> list[ActionRoute]:
        return [
            ActionRoute(ActionId.NUDGE_POST_UPDATE, self.post_update),
            ActionRoute(ActionId.NUDGE_SILENCE, self.silence),
        ]

    def views(self) -> list[ViewRoute]:
        return [ViewRoute(ViewId.NUDGE_STATUS_UPDATE, self.status_update_submitted)]

    def post_update(self, action: ActionInvocation) -> str | None:
        return self._interactions.post_update_pressed(action.value, action.trigger_id)

    def silence(self, action: ActionInvocation) -> str | None:
        if not action.channel_id:
            return "This button only works in the incident's channel."
        self._interactions.silence_pressed(action.value, action.user_id, action.channel_id)
        return None

    def status_update_submitted(self, submission: ViewSubmission) -> dict[str, str] | None:
        """Errors go under the text input, which keeps the modal open."""
        update = read_status_update(submission.private_metadata, submission.values)
        result = self._interactions.status_update_submitted(submission.user_id, update)
        return {InputId.STATUS_UPDATE_TEXT.value: result.error} if result.error else None
