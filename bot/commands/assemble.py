"""`assemble [INCIDENT]`: build (or finish building) the war room of this channel's incident or
of the one named; a complete room is left as it is."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, Outcome
from bot.ports.store import Incidents
from bot.services.war_room.room_commands import Assembler, retry_assembly


class AssembleCommand:
    name = "assemble"
    summary = "Build or finish the war room (retries the steps that did not complete)."
    usage = "[incident-id]"
    needs_incident = False
    free_text = False

    def __init__(self, assembler: Assembler, store: Incidents) -> None:
        self._assembler = assembler
        self._store = store

    def run(self, ctx: CommandContext) -> CommandReply:
        text = retry_assembly(
            self._assembler, self._store, channel_id=ctx.channel_id, argument=" ".join(ctx.args)
        )
        failed = text.startswith(("Nothing assembled", "Assembly of"))
        return CommandReply(text, outcome=Outcome.FAILED if failed else Outcome.OK)
