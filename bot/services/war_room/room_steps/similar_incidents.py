"""The similar incidents step (optional): up to three earlier incidents like this one, each
with its postmortem and follow-up status, posted in the room (bot/services/followups/
similarity.py scores them); nothing is posted when none is alike. Never needed for the room
to count as assembled."""

from __future__ import annotations

from bot.ports.slack import SlackGateway
from bot.services.followups.similarity import SimilarIncidents
from bot.services.steps.runner import StepDone
from bot.services.war_room.steps import Room, StepName


class SimilarIncidentsStep:
    name = StepName.SIMILAR_INCIDENTS
    critical = False

    def __init__(self, slack: SlackGateway, similar: SimilarIncidents) -> None:
        self._slack = slack
        self._similar = similar

    def run(self, room: Room) -> StepDone:
        view = self._similar.view(room.incident)
        if view is None:
            return StepDone({"similar": []})
        ts = self._slack.post_message(room.channel_id, view)
        return StepDone({"ts": ts, "similar": [row.id for row in view.rows]})
