"""The bookmarks step: one channel bookmark per link of the alert; a link Slack refuses is
named in the room and the others are still added."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.services.slack_text import escape, escape_clipped
from bot.services.steps.runner import StepDone
from bot.services.war_room.steps import TEXT_LIMIT, Room, StepName


class BookmarksStep:
    name = StepName.BOOKMARKS
    critical = False

    def __init__(self, slack: SlackGateway) -> None:
        self._slack = slack

    def run(self, room: Room) -> StepDone:
        added: list[str] = []
        problems: list[str] = []
        for link in room.incident.links:
            try:
                self._slack.add_bookmark(
                    room.channel_id, escape_clipped(link.title, TEXT_LIMIT), link.url
                )
                added.append(link.url)
            except SlackCallFailed as exc:
                problems.append(f"bookmark {escape(link.title)}: {escape(exc.error)}")
        return StepDone(
            {"urls": added}, audit=AuditAction.BOOKMARKS_ADDED, problems=tuple(problems)
        )
