"""RoomReopening: `/marshal reopen` makes the room usable again before the state changes.

Order: the archived room is unarchived (the gateway rejoins the bot as Slack requires), the
pinned incident card is pinned again, then the state moves resolved -> investigating (the
ResolutionStarter audits REOPENED and resumes nudges); that write is what the card
refresher sees, so the cards and topic are refreshed in a room that takes messages again.
A Slack failure on the way is returned as a note, never hidden: the reopen still happens.
"""

from __future__ import annotations

import logging

from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.services.resolution.starter import ResolutionStarter
from bot.services.slack_text import escape

log = logging.getLogger(__name__)


class RoomReopening:
    def __init__(self, slack: SlackGateway, audit: AuditLog, starter: ResolutionStarter) -> None:
        self._slack = slack
        self._audit = audit
        self._starter = starter

    def reopen(self, incident: Incident, user_id: str) -> tuple[Incident, list[str]]:
        """Reopen; returns the stored incident and what did not work in Slack."""
        notes: list[str] = []
        if incident.channel_id:
            try:
                self._slack.unarchive(incident.channel_id)
                self._audit.append(
                    incident.id,
                    actor=user_id,
                    action=AuditAction.ROOM_UNARCHIVED,
                    details={"channel_id": incident.channel_id},
                )
                if incident.room_card_ts:
                    self._slack.pin(incident.channel_id, incident.room_card_ts)
            except SlackCallFailed as exc:
                log.warning("reopen of %s: %s", incident.id, exc)
                notes.append(f"the room could not be reopened in Slack ({escape(exc.error)})")
        return self._starter.reopen(incident, user_id), notes
