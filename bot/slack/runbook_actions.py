"""The runbook preview's Confirm and Cancel buttons as Bolt routes: parse, then delegate.

Each press carries only the preview's token; everything else is re-read from the store. The
idempotency key of a Slack confirmation is derived from the token, so any number of clicks
(double clicks, Slack's retries, two people at once) make one run.
"""

from __future__ import annotations

import logging

from bot.domain.errors import MarshalError
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import MessageView, Mrkdwn, RunbookOutcomeView, RunbookPreviewView
from bot.services.operations.confirmation import (
    Confirmed,
    OperationConfirmation,
    slack_idempotency_key,
)
from bot.services.operations.notices import describe
from bot.services.slack_text import escape, user
from bot.slack.actions import ActionInvocation, ActionRoute
from bot.slack.vocabulary import ActionId

log = logging.getLogger(__name__)

CHANGED_NOTE = Mrkdwn(
    ":warning: The targets changed since the last preview, so nothing ran. "
    "This is the new preview; confirm it if it is still right."
)


class RunbookButtons:
    def __init__(self, confirmation: OperationConfirmation, slack: SlackGateway) -> None:
        self._confirmation = confirmation
        self._slack = slack

    def routes(self) -> tuple[ActionRoute, ...]:
        return (
            ActionRoute(ActionId.RUNBOOK_CONFIRM, self.confirm),
            ActionRoute(ActionId.RUNBOOK_CANCEL, self.cancel),
        )

    def confirm(self, action: ActionInvocation) -> str | None:
        token = action.value
        try:
            result = self._confirmation.confirm(token, action.user_id, slack_idempotency_key(token))
        except MarshalError as exc:
            return f"Not run: {escape(exc)}"
        if result.kind is Confirmed.CHANGED:
            assert result.preview is not None
            catalog = self._confirmation.catalog
            title = catalog.get(result.preview.runbook).title
            self._replace(action, RunbookPreviewView(result.preview, title, note=CHANGED_NOTE))
            return "The targets changed since the preview; nothing ran. Review the new preview."
        run = result.run
        assert run is not None
        self._replace(
            action,
            RunbookOutcomeView(Mrkdwn(f"{user(run.confirmed_by)} confirmed {describe(run)}")),
        )
        if result.kind is Confirmed.DUPLICATE:
            return f"This preview ran already as run `{escape(run.id)}`; it was not run again."
        return None

    def cancel(self, action: ActionInvocation) -> str | None:
        try:
            shown = self._confirmation.cancel(action.value, action.user_id)
        except MarshalError as exc:
            return f"Not cancelled: {escape(exc)}"
        self._replace(
            action,
            RunbookOutcomeView(
                Mrkdwn(
                    f"Preview of `{escape(shown.runbook)}` cancelled by {user(action.user_id)}; "
                    "nothing ran."
                )
            ),
        )
        return None

    def _replace(self, action: ActionInvocation, view: MessageView) -> None:
        if not action.channel_id or not action.message_ts:
            return
        try:
            self._slack.update_message(action.channel_id, action.message_ts, view)
        except SlackCallFailed as exc:
            # the run happened (or not) and is audited either way; the reply says which
            log.warning("runbook message not updated", extra={"error": exc.error})
