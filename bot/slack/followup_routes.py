"""The follow-ups' buttons as Bolt routes: Done closes at once; Not doing opens a modal that
asks why, and closes on submit. Everything is found from the follow-up id the button (or the
modal's private_metadata) carries, so a press after a restart works the same."""

from __future__ import annotations

from bot.domain.errors import MarshalError, NotFound
from bot.domain.followups import FollowUpError, FollowUpStatus
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import FollowUpReasonModal
from bot.services.followups.desk import FollowUpDesk
from bot.services.followups.proposals import accept_proposal
from bot.services.slack_text import escape, user
from bot.slack.actions import ActionInvocation, ActionRoute, ViewRoute, ViewSubmission
from bot.slack.blocks.followups import parse_proposal
from bot.slack.vocabulary import ActionId, InputId, ViewId

UNKNOWN = "That button does not name a follow-up marshal knows."


class FollowUpRoutes:
    def __init__(self, desk: FollowUpDesk, slack: SlackGateway) -> None:
        self._desk = desk
        self._slack = slack

    def actions(self) -> list[ActionRoute]:
        return [
            ActionRoute(ActionId.FOLLOWUP_DONE, self.done),
            ActionRoute(ActionId.FOLLOWUP_NOT_DOING, self.not_doing),
            ActionRoute(ActionId.FOLLOWUP_ACCEPT, self.accept),
        ]

    def views(self) -> list[ViewRoute]:
        return [ViewRoute(ViewId.FOLLOWUP_NOT_DOING, self.reason_submitted)]

    def done(self, action: ActionInvocation) -> str | None:
        try:
            return self._desk.close(action.value, FollowUpStatus.DONE, by=action.user_id).message
        except NotFound:
            return UNKNOWN
        except MarshalError as exc:
            return f"marshal could not close that follow-up: {escape(exc)}"

    def accept(self, action: ActionInvocation) -> str | None:
        parsed = parse_proposal(action.value)
        if parsed is None:
            return "That button is not one marshal made."
        incident_id, resolution_id, index = parsed
        try:
            accepted = accept_proposal(
                self._desk, incident_id, resolution_id, index, by=action.user_id
            )
        except NotFound:
            return "That proposal's incident is no longer in the store."
        except (FollowUpError, MarshalError) as exc:
            return f"marshal could not accept that proposal: {escape(exc)}"
        made = accepted.followup
        if not accepted.made:
            return f"Already accepted as follow-up `{made.id}` (owner {user(made.owner)})."
        return (
            f"Accepted as follow-up `{made.id}`, owned by you, due {made.due_at:%Y-%m-%d}. "
            "It is listed in `followups mine`."
        )

    def not_doing(self, action: ActionInvocation) -> str | None:
        followup = self._desk.store.get(action.value)
        if followup is None:
            return UNKNOWN
        if not followup.is_open:
            return f"This follow-up is already {followup.status.value.replace('_', ' ')}."
        if not action.trigger_id:
            return "Slack did not send what is needed to ask why; try again."
        try:
            self._slack.open_view(
                action.trigger_id, FollowUpReasonModal(followup.id, followup.text)
            )
        except SlackCallFailed as exc:
            return f"Could not ask why: {escape(exc.error)}"
        return None

    def reason_submitted(self, submission: ViewSubmission) -> dict[str, str] | None:
        """Errors go under the reason input, which keeps the modal open."""
        field = InputId.FOLLOWUP_REASON.value
        reason = submission.text(field, field)
        try:
            closing = self._desk.close(
                submission.private_metadata,
                FollowUpStatus.NOT_DOING,
                by=submission.user_id,
                reason=reason,
            )
        except NotFound:
            return {field: UNKNOWN}
        except (FollowUpError, MarshalError) as exc:
            return {field: str(exc)}
        return None if closing.closed else {field: closing.message}
