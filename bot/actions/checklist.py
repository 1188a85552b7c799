"""The checklist buttons' handler: wire it to ChecklistAction.TICK and ChecklistAction.UNTICK.

The Bolt listener acks and passes the action body here. Refusals (a superseded message,
another incident's checklist, an item no longer listed) are answered to the clicker only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.domain.errors import NotFound
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.store import IncidentStore
from bot.services.war_room.checklist import (
    ChecklistAction,
    ChecklistService,
    StaleChecklistAction,
    parse_button_value,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChecklistClick:
    incident_id: str
    item_key: str
    done: bool
    user_id: str
    channel_id: str | None
    message_ts: str | None

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> ChecklistClick:
        action = (body.get("actions") or [{}])[0]
        incident_id, item_key = parse_button_value(str(action.get("value", "")))
        container = body.get("container") or {}
        return cls(
            incident_id=incident_id,
            item_key=item_key,
            done=action.get("action_id") != ChecklistAction.UNTICK.value,
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=container.get("channel_id") or (body.get("channel") or {}).get("id"),
            message_ts=container.get("message_ts") or (body.get("message") or {}).get("ts"),
        )


class ChecklistActionHandler:
    def __init__(
        self, service: ChecklistService, store: IncidentStore, slack: SlackGateway
    ) -> None:
        self._service = service
        self._store = store
        self._slack = slack

    def __call__(self, body: dict[str, Any]) -> str | None:
        """Act on one click; returns the refusal told to the clicker, or None when done."""
        try:
            click = ChecklistClick.from_body(body)
            self._check_room(click)
            self._service.tick(
                click.incident_id,
                click.item_key,
                click.user_id,
                done=click.done,
                message_ts=click.message_ts,
            )
        except (StaleChecklistAction, NotFound) as refusal:
            self._tell(body, f"Nothing changed: {refusal}.")
            return str(refusal)
        except SlackCallFailed as exc:
            # The tick is stored and audited; only the re-render failed.
            self._tell(body, f"Ticked, but the checklist message could not be refreshed: {exc}")
            return str(exc)
        return None

    def _check_room(self, click: ChecklistClick) -> None:
        if not click.channel_id:
            return
        room_incident = self._store.find_by_channel(click.channel_id)
        if room_incident is not None and room_incident.id != click.incident_id:
            raise StaleChecklistAction(
                f"this checklist belongs to incident {click.incident_id}, "
                f"not this room's incident {room_incident.id}"
            )

    def _tell(self, body: dict[str, Any], text: str) -> None:
        channel_id = (body.get("container") or {}).get("channel_id") or (
            body.get("channel") or {}
        ).get("id")
        user_id = (body.get("user") or {}).get("id")
        if not channel_id or not user_id:
            return
        try:
            self._slack.post_ephemeral(channel_id, user_id, text)
        except SlackCallFailed as exc:
            log.warning("could not answer a checklist click", extra={"error": str(exc)})
