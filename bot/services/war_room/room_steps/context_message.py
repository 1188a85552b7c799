"""The context message step: the alert's details posted as the room's first briefing."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.ports.slack import SlackGateway
from bot.services.steps.runner import StepDone
from bot.services.war_room.context_message import incident_context_view
from bot.services.war_room.steps import Room, StepName


class ContextMessageStep:
    name = StepName.CONTEXT_MESSAGE
    critical = False

    def __init__(self, slack: SlackGateway) -> None:
        self._slack = slack

    def run(self, room: Room) -> StepDone:
        incident = room.incident
        ts = self._slack.post_message(room.channel_id, incident_context_view(incident))
        return StepDone({"ts": ts}, audit=AuditAction.ASSEMBLY_STEP_COMPLETED)
