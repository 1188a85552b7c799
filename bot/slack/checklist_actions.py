"""The checklist buttons' handler, routed from both checklist action ids (tick and untick).

The Bolt listener acks and hands the click over; the handler returns the text to show the
clicker alone (a refusal: a superseded message, another incident's checklist, an item no
longer listed), or None when the tick was stored and the message re-rendered.
"""

from __future__ import annotations

import logging

from bot.domain.errors import NotFound
from bot.ports.slack import SlackCallFailed
from bot.ports.store import Incidents
from bot.services.slack_text import escape
from bot.services.war_room.checklist import ChecklistService, StaleChecklistAction
from bot.slack.actions import ActionInvocation
from bot.slack.blocks.checklist import parse_button_value
from bot.slack.vocabulary import ActionId

log = logging.getLogger(__name__)


class ChecklistActionHandler:
    def __init__(self, service: ChecklistService, store: Incidents) -> None:
        self._service = service
        self._store = store

    def handle(
        self,
        *,
        action_id: str,
        value: str,
        user_id: str,
        channel_id: str | None,
        message_ts: str | None,
    ) -> str | None:
        """Act on one click; returns the refusal for the clicker, or None when done."""
        try:
            incident_id, item_key = parse_button_value(value)
            self._check_room(incident_id, channel_id)
            self._service.tick(
                incident_id,
                item_key,
                user_id,
                done=action_id != ActionId.UNTICK_CHECKLIST_ITEM.value,
                message_ts=message_ts,
            )
        except (StaleChecklistAction, NotFound) as refusal:
            return f"Nothing changed: {escape(refusal)}."
        except SlackCallFailed as exc:
            log.warning("checklist re-render failed", extra={"error": str(exc)})
            return f"Saved, but the checklist message could not be refreshed ({exc.error})."
        return None

    def __call__(self, action: ActionInvocation) -> str | None:
        """The ActionRoute entry point (see bot/slack/actions.py)."""
        return self.handle(
            action_id=action.action_id,
            value=action.value,
            user_id=action.user_id,
            channel_id=action.channel_id,
            message_ts=action.message_ts,
        )

    def _check_room(self, incident_id: str, channel_id: str | None) -> None:
        room_incident = self._store.find_by_channel(channel_id) if channel_id else None
        if room_incident is not None and room_incident.id != incident_id:
            raise StaleChecklistAction(
                f"this checklist belongs to incident {incident_id}, "
                f"not this room's incident {room_incident.id}"
            )
