"""`checklist [INCIDENT]`: post the checklist again and pin it; older copies stop acting."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, Outcome
from bot.ports.store import Incidents
from bot.services.war_room.checklist import ChecklistService
from bot.services.war_room.room_commands import repost_checklist


class ChecklistCommand:
    name = "checklist"
    summary = "Re-post and re-pin the incident checklist."
    usage = "[incident-id]"
    needs_incident = False
    free_text = False

    def __init__(self, service: ChecklistService, store: Incidents) -> None:
        self._service = service
        self._store = store

    def run(self, ctx: CommandContext) -> CommandReply:
        text = repost_checklist(
            self._service,
            self._store,
            channel_id=ctx.channel_id,
            argument=" ".join(ctx.args),
            actor=ctx.user_id,
        )
        failed = text.startswith("No checklist posted")
        return CommandReply(text, outcome=Outcome.FAILED if failed else Outcome.OK)
