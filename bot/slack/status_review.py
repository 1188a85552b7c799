"""StatusPageReview: the room side of the approval gate — answer a posted draft's buttons.

Drafts are posted by the drafting service (bot/services/status_drafts/drafting.py).

Handlers ack-and-delegate: every decision (who may approve, is this button current, has
it been published) is the gate's, read from the store; this module only turns outcomes
into Slack messages. A refused or stale press is answered privately, never silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.domain.errors import MarshalError, NotFound
from bot.domain.models import StatusPageDraft
from bot.gates.errors import (
    ApprovalRefused,
    AutoPublishNotPermitted,
    DraftClosed,
    DraftInvalid,
    DraftSuperseded,
    PublishFailed,
)
from bot.gates.status_page import StatusPageApprovalGate
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import (
    Mrkdwn,
    StatusDraftClosed,
    StatusDraftEditModal,
    StatusDraftReview,
)
from bot.services.slack_text import escape, user
from bot.slack.actions import ActionInvocation, ActionRoute, ViewRoute, ViewSubmission
from bot.slack.blocks.status_draft import DraftRef, EditContext
from bot.slack.vocabulary import ActionId, InputId, ViewId

_TEXT_BLOCK = InputId.STATUS_DRAFT_TEXT.value
_TEXT_INPUT = InputId.STATUS_DRAFT_TEXT_INPUT.value

log = logging.getLogger(__name__)

STALE = "This draft has changed since that message was posted; use the newest draft message."
MALFORMED = "That button does not name a status-page draft marshal knows."


class StatusPageReview:
    def __init__(self, gate: StatusPageApprovalGate, slack: SlackGateway) -> None:
        self._gate = gate
        self._slack = slack

    def routes(self) -> tuple[list[ActionRoute], list[ViewRoute]]:
        return (
            [
                ActionRoute(ActionId.APPROVE_STATUS_DRAFT, self.approve),
                ActionRoute(ActionId.EDIT_STATUS_DRAFT, self.open_edit),
                ActionRoute(ActionId.REJECT_STATUS_DRAFT, self.reject),
            ],
            [ViewRoute(ViewId.EDIT_STATUS_DRAFT, self.submit_edit)],
        )

    # buttons

    def approve(self, action: ActionInvocation) -> str | None:
        ref = DraftRef.parse(action.value)
        if ref is None:
            return MALFORMED
        try:
            published = self._gate.approve(ref.draft_id, action.user_id, ref.body_sha256)
        except PublishFailed as exc:
            self._show(action, exc.draft, note=Mrkdwn(f"Publishing failed: {escape(exc.reason)}"))
            return (
                f"The status page did not take the post ({escape(exc.reason)}). Nothing new is "
                "public; press Approve & Publish again to retry."
            )
        except (ApprovalRefused, AutoPublishNotPermitted, DraftClosed, DraftSuperseded) as exc:
            return self._explain(exc)
        except MarshalError as exc:
            return f"marshal could not publish that draft: {escape(exc)}"
        outcome = Mrkdwn(
            f":white_check_mark: Published by {user(action.user_id)}: "
            f"{escape(published.public_url or published.public_incident_id or '')}"
        )
        self._close(action, published, outcome)
        if action.channel_id:
            self._say(action.channel_id, f"Status page updated. {outcome}")
        return None

    def reject(self, action: ActionInvocation) -> str | None:
        ref = DraftRef.parse(action.value)
        if ref is None:
            return MALFORMED
        try:
            rejected = self._gate.reject(
                ref.draft_id,
                action.user_id,
                "rejected from Slack",
                expected_hash=ref.body_sha256,
            )
        except (ApprovalRefused, DraftClosed, DraftSuperseded) as exc:
            return self._explain(exc)
        except MarshalError as exc:
            return f"marshal could not reject that draft: {escape(exc)}"
        self._close(action, rejected, Mrkdwn(f":no_entry: Rejected by {user(action.user_id)}."))
        return None

    def open_edit(self, action: ActionInvocation) -> str | None:
        ref = DraftRef.parse(action.value)
        if ref is None or not action.channel_id or not action.message_ts:
            return MALFORMED
        if not action.trigger_id:
            return "Slack did not send what is needed to open the editor; try again."
        try:
            draft = self._gate.get(ref.draft_id)
        except NotFound:
            return MALFORMED
        if draft.body_sha256 != ref.body_sha256:
            return STALE
        modal = StatusDraftEditModal(draft, action.channel_id, action.message_ts)
        try:
            self._slack.open_view(action.trigger_id, modal)
        except SlackCallFailed as exc:
            return f"Could not open the editor: {escape(exc.error)}"
        return None

    def submit_edit(self, submission: ViewSubmission) -> dict[str, str] | None:
        context = EditContext.parse(submission.private_metadata)
        if context is None:
            return {_TEXT_BLOCK: MALFORMED}
        try:
            previous = self._gate.get(context.ref.draft_id)
            edited = self._gate.edit(
                context.ref.draft_id,
                submission.user_id,
                submission.text(_TEXT_BLOCK, _TEXT_INPUT),
                expected_hash=context.ref.body_sha256,
            )
        except DraftInvalid as exc:
            return {_TEXT_BLOCK: escape(exc)}
        except (DraftClosed, DraftSuperseded) as exc:
            return {_TEXT_BLOCK: self._explain(exc)}
        except MarshalError as exc:
            return {_TEXT_BLOCK: f"marshal could not save the edit: {escape(exc)}"}
        self._update(
            context.channel_id,
            context.message_ts,
            previous,
            Mrkdwn(
                f":pencil2: Edited by {user(submission.user_id)}; the new text is below for review."
            ),
            struck=True,
        )
        self._slack.post_message(context.channel_id, StatusDraftReview(edited))
        return None

    # messages

    @staticmethod
    def _explain(exc: MarshalError) -> str:
        if isinstance(exc, ApprovalRefused):
            return f"You may not do that: {exc.reason}."
        if isinstance(exc, AutoPublishNotPermitted):
            return f"Not published: {escape(exc.reason)}. Nothing was sent to the status page."
        if isinstance(exc, DraftClosed):
            current = exc.current
            who = f" by {user(current.approved_by)}" if current.approved_by else ""
            return f"This draft is already {current.status.value}{who}; nothing more to do."
        return STALE

    def _show(self, action: ActionInvocation, draft: StatusPageDraft, *, note: Mrkdwn) -> None:
        if action.channel_id and action.message_ts:
            self._post_safely(
                lambda: self._slack.update_message(
                    action.channel_id or "",
                    action.message_ts or "",
                    StatusDraftReview(draft, note=note),
                )
            )

    def _close(self, action: ActionInvocation, draft: StatusPageDraft, outcome: Mrkdwn) -> None:
        if action.channel_id and action.message_ts:
            self._update(action.channel_id, action.message_ts, draft, outcome)

    def _update(
        self,
        channel_id: str,
        ts: str,
        draft: StatusPageDraft,
        outcome: Mrkdwn,
        *,
        struck: bool = False,
    ) -> None:
        closed = StatusDraftClosed(draft, outcome, struck=struck)
        self._post_safely(lambda: self._slack.update_message(channel_id, ts, closed))

    def _say(self, channel_id: str, text: str) -> None:
        self._post_safely(lambda: self._slack.post_message(channel_id, text))

    @staticmethod
    def _post_safely(call: Callable[[], object]) -> None:
        # the gate's outcome is already stored and audited; a failed room message must not
        # turn a publish into an error, but it is logged so the gap is visible
        try:
            call()
        except SlackCallFailed as exc:
            log.warning("status draft message not updated", extra={"error": exc.error})
