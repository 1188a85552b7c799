"""RoomJoining: the card's Join button, inviting whoever pressed it into the incident's room.

Idempotent: a second press (or a press by someone already in the room) changes nothing and
says so; each person's join is audited once (its event id names incident and person).
"""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackGateway
from bot.ports.store import Incidents
from bot.services.slack_text import channel, escape

_ALREADY_MEMBER = frozenset({"already_in_channel", "cant_invite_self"})


class RoomJoining:
    def __init__(self, store: Incidents, slack: SlackGateway, audit: AuditLog) -> None:
        self._store = store
        self._slack = slack
        self._audit = audit

    def join(self, incident_id: str, user_id: str) -> str:
        """Invite `user_id` into the room; returns what to tell them."""
        incident = self._store.get(incident_id, consistent=True)
        if incident is None:
            return "That button does not name an incident marshal knows."
        if not incident.channel_id:
            return "The war room is still being opened; try again in a moment."
        room = channel(incident.channel_id)
        if not incident.is_open:
            return f"This incident is {incident.status.value}; its room was {room}."
        result = self._slack.invite(incident.channel_id, [user_id])
        error = result.failed.get(user_id)
        if error in _ALREADY_MEMBER:
            return f"You are already in {room}."
        if error:
            return f"Slack did not add you to {room}: {escape(error)}."
        self._audit.append(
            incident.id,
            actor=user_id,
            action=AuditAction.ROOM_JOINED,
            details={"user": user_id, "channel_id": incident.channel_id},
            event_id=f"{incident.id}.joined.{user_id}",
        )
        return f"You joined {room}."
