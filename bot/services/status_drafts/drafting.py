"""StatusPageDrafting: ask the approval gate for a draft and put it up for review in the room.

The three ways a draft starts all come here: `/marshal status draft`, the nudge modal's
"start a status-page draft", and the resolve flow drafting the public incident's resolution.
It never publishes: the gate drafts, this posts the review message over the Slack port (as a
view: bot/slack/blocks/status_draft.py renders it, buttons and all), and
only an approver's press (bot/slack/status_review.py) can take a draft further.
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.errors import MarshalError
from bot.domain.models import Incident, PublicStatus, StatusPageDraft
from bot.ports.slack import SlackGateway
from bot.ports.slack_views import StatusDraftReview


class DraftingGate(Protocol):
    """The approval gate's drafting side (bot/gates/status_page.py)."""

    def draft(
        self,
        incident: Incident,
        drafted_by: str,
        text: str | None = None,
        public_status: PublicStatus = PublicStatus.INVESTIGATING,
    ) -> StatusPageDraft: ...

    def resolve_public_incident(
        self, incident: Incident, drafted_by: str
    ) -> StatusPageDraft | None: ...


class StatusPageDrafting:
    def __init__(self, gate: DraftingGate, slack: SlackGateway) -> None:
        self._gate = gate
        self._slack = slack

    def post_draft(
        self,
        incident: Incident,
        user_id: str,
        channel_id: str,
        text: str | None = None,
        public_status: PublicStatus = PublicStatus.INVESTIGATING,
    ) -> StatusPageDraft:
        """Draft a post through the gate and put it up for review in `channel_id`."""
        draft = self._gate.draft(incident, user_id, text, public_status)
        self._post_for_review(channel_id, draft)
        return draft

    def draft_from_update(self, incident: Incident, text: str, user_id: str) -> str:
        """The nudge modal's "start a status-page draft" (a StatusDraftStarter): the update's
        text as a draft in the incident's room; returns the sentence for the user."""
        if not incident.channel_id:
            raise MarshalError("the incident has no war room to post the draft in")
        draft = self.post_draft(incident, user_id, incident.channel_id, text)
        return f"Status-page draft `{draft.id}` is in the room, waiting for an approver."

    def resolve_public_incident(self, incident: Incident, user_id: str) -> StatusPageDraft | None:
        """For the resolve flow (its PublicResolution): draft the public incident's resolution
        for approval in the incident's room; None (and nothing posted) when nothing was ever
        published."""
        draft = self._gate.resolve_public_incident(incident, user_id)
        if draft is not None and incident.channel_id:
            self._post_for_review(incident.channel_id, draft)
        return draft

    def _post_for_review(self, channel_id: str, draft: StatusPageDraft) -> None:
        self._slack.post_message(channel_id, StatusDraftReview(draft))
