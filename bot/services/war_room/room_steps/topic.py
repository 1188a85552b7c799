"""The topic step: the channel's topic (severity, service, IC, state, title) and purpose;
the card refresher (bot/services/incident_cards/) keeps the topic current afterwards. The two
calls are independent, so they run side by side."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="purpose") as beside:
            purpose_set = beside.submit(self._slack.set_purpose, room.channel_id, purpose)
            self._slack.set_topic(room.channel_id, topic)
            purpose_set.result()  # a failed purpose fails the step, as before
        return StepDone({"topic": topic}, audit=AuditAction.ASSEMBLY_STEP_COMPLETED)
