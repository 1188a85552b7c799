"""The context snapshot step (optional): live figures for the incident's service posted in
the room when a context file configures them; never needed for the room to count."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.ports.slack import SlackGateway
from bot.services.steps.runner import StepDone
from bot.services.war_room.context_snapshot import ContextSnapshotter, snapshot_view
from bot.services.war_room.steps import Room, StepName


class ContextSnapshotStep:
    name = StepName.CONTEXT_SNAPSHOT
    critical = False

    def __init__(self, slack: SlackGateway, snapshotter: ContextSnapshotter) -> None:
        self._slack = slack
        self._snapshotter = snapshotter

    def run(self, room: Room) -> StepDone:
        incident = room.incident
        snapshot = self._snapshotter.take(incident)
        if snapshot is None:
            return StepDone({"skipped": "not configured"})
        ts = self._slack.post_message(room.channel_id, snapshot_view(incident, snapshot))
        detail = {
            "ts": ts,
            "configured_for": snapshot.name,
            "sections": [s.title for s in snapshot.sections],
            "unavailable": snapshot.unavailable,
        }
        return StepDone(detail, audit=AuditAction.CONTEXT_SNAPSHOT_ATTACHED)
