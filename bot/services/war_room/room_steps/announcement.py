"""The announcement step: the incident card posted in the announce channel, when there is
one; its ts is recorded on the incident so the card refresher replaces it in place."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.ports.slack import SlackGateway
from bot.services.incident_cards.card import card_view
from bot.services.steps.runner import StepDone
from bot.services.war_room.steps import Room, StepName


class AnnouncementStep:
    name = StepName.ANNOUNCEMENT
    critical = False

    def __init__(self, slack: SlackGateway, announce_channel: str | None) -> None:
        self._slack = slack
        self._announce_channel = announce_channel

    def run(self, room: Room) -> StepDone:
        channel = self._announce_channel
        if not channel:
            return StepDone({"skipped": "no announce channel"})
        incident = room.incident
        if incident.card_ts and incident.card_channel:
            # recorded by a run that died before the step was: never a second card
            return StepDone({"channel": incident.card_channel, "ts": incident.card_ts})
        ts = self._slack.post_message(channel, card_view(incident))

        def record(current: Incident) -> Incident:
            return current.model_copy(update={"card_channel": channel, "card_ts": ts})

        return StepDone({"channel": channel, "ts": ts}, audit=AuditAction.ANNOUNCED, also=record)
