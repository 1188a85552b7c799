"""The announcement step: the new room announced in the announce channel, when there is one."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.ports.slack import SlackGateway
from bot.services.slack_text import channel, escape
from bot.services.steps.runner import StepDone
from bot.services.war_room.steps import Room, StepName


class AnnouncementStep:
    name = StepName.ANNOUNCEMENT
    critical = False

    def __init__(self, slack: SlackGateway, announce_channel: str | None) -> None:
        self._slack = slack
        self._announce_channel = announce_channel

    def run(self, room: Room) -> StepDone:
        if not self._announce_channel:
            return StepDone({"skipped": "no announce channel"})
        incident = room.incident
        drill = " (drill)" if incident.drill else ""
        text = (
            f":rotating_light: {incident.severity.value}{drill} *{escape(incident.title)}*"
            f" — war room {channel(room.channel_id)}"
        )
        ts = self._slack.post_message(self._announce_channel, text)
        return StepDone({"channel": self._announce_channel, "ts": ts}, audit=AuditAction.ANNOUNCED)
