"""NudgeInteractions: what the nudge's buttons and the "Post update" modal do, Slack-free.

Bolt routes (bot/slack/nudge_routes.py) ack, parse the payload and call these; every
answer the user sees comes back from here, including the honest "that did not work".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.errors import MarshalError
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import StatusUpdateModal, StatusUpdateSubmission
from bot.ports.store import Incidents
from bot.services.nudges.messages import SILENCE_BUTTON_SECONDS, status_update_modal
from bot.services.nudges.silence import NudgeSilence, SilenceLength
from bot.services.nudges.status_updates import StatusUpdateRecorder
from bot.services.slack_text import escape

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubmissionResult:
    """An `error` (about the update's text) keeps the modal open; else `notes` go to the user."""

    error: str | None
    notes: list[str]


class NudgeInteractions:
    def __init__(
        self,
        store: Incidents,
        slack: SlackGateway,
        silence: NudgeSilence,
        recorder: StatusUpdateRecorder,
        *,
        command: str = "/marshal",
    ) -> None:
        self._command = command
        self._store = store
        self._slack = slack
        self._silence = silence
        self._recorder = recorder

    def status_update_view(self, incident_id: str) -> StatusUpdateModal | None:
        """The modal for "Post update", or None when the incident is gone."""
        incident = self._store.get(incident_id)
        if incident is None:
            return None
        return status_update_modal(incident, can_draft=self._recorder.can_draft)

    def silence_pressed(self, incident_id: str, user_id: str, channel_id: str) -> None:
        """The nudge's Silence button: pause 30 minutes and say so (or say why not)."""
        length = SilenceLength(SILENCE_BUTTON_SECONDS)
        try:
            self._silence.silence(incident_id, user_id, length, via="button")
        except MarshalError as exc:
            self._tell(channel_id, user_id, f"Nudges are NOT paused: {escape(exc)}. Try again.")
            return
        try:
            self._slack.post_message(
                channel_id,
                f"<@{user_id}> paused status-update nudges {length.describe()} "
                f"(resume with `{self._command} unsilence`).",
            )
        except SlackCallFailed:
            self._tell(channel_id, user_id, f"Nudges are paused {length.describe()}.")

    def status_update_submitted(
        self, user_id: str, submission: StatusUpdateSubmission
    ) -> SubmissionResult:
        if not submission.text:
            return SubmissionResult("Write the update first.", [])
        try:
            recorded = self._recorder.record(
                submission.incident_id,
                user_id,
                submission.text,
                start_draft=submission.start_draft,
            )
        except MarshalError as exc:
            return SubmissionResult(f"Not saved: {escape(exc)}. Submit again.", [])
        incident = self._store.get(submission.incident_id)
        if incident is not None and incident.channel_id:
            for note in recorded.notes:
                self._tell(incident.channel_id, user_id, note)
        return SubmissionResult(None, recorded.notes)

    def post_update_pressed(self, incident_id: str, trigger_id: str | None) -> str | None:
        """Opens the modal; returns a sentence for the presser only when that failed."""
        view = self.status_update_view(incident_id)
        if view is None:
            return f"Incident {escape(incident_id)} no longer exists; there is nothing to update."
        if not trigger_id:
            return "Slack sent no trigger id with the button press, so the form cannot open."
        try:
            self._slack.open_view(trigger_id, view)
        except SlackCallFailed as exc:
            return f"The update form did not open ({exc.error}); try `{self._command} note <text>`."
        return None

    def _tell(self, channel_id: str, user_id: str, text: str) -> None:
        try:
            self._slack.post_ephemeral(channel_id, user_id, text)
        except SlackCallFailed as exc:
            log.warning("could not answer the user", extra={"user": user_id, "error": exc.error})
