"""The topic step: the channel's topic (severity, service, IC, state, title) and purpose;
the card refresher (bot/services/incident_cards/) keeps the topic current afterwards."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.ports.slack import SlackGateway
from bot.services.incident_cards.card import topic_for
from bot.services.slack_text import clip, escape
from bot.services.steps.runner import StepDone
from bot.services.war_room.steps import TEXT_LIMIT, Room, StepName

__all__ = ["TopicStep", "purpose_for", "topic_for"]


def purpose_for(incident: Incident) -> str:
    return clip(f"War room for incident {incident.id}: {escape(incident.title)}", TEXT_LIMIT)


class TopicStep:
    name = StepName.TOPIC
    critical = False

    def __init__(self, slack: SlackGateway) -> None:
        self._slack = slack

    def run(self, room: Room) -> StepDone:
        topic, purpose = topic_for(room.incident), purpose_for(room.incident)
        self._slack.set_topic(room.channel_id, topic)
        self._slack.set_purpose(room.channel_id, purpose)
        return StepDone({"topic": topic}, audit=AuditAction.ASSEMBLY_STEP_COMPLETED)
