"""`/marshal unsilence`: resume this incident's status-update nudges."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply
from bot.domain.errors import MarshalError
from bot.services.nudges.silence import NudgeSilence


class UnsilenceCommand:
    name = "unsilence"
    summary = "Resume status-update nudges here"
    usage = ""
    needs_incident = True
    free_text = False

    def __init__(self, silence: NudgeSilence) -> None:
        self._silence = silence

    def run(self, ctx: CommandContext) -> CommandReply:
        incident = ctx.require_incident()
        if ctx.args:
            return CommandReply.usage(f"Usage: {ctx.hint(self.name)} (no arguments)")
        try:
            _, was_silenced = self._silence.unsilence(incident.id, ctx.user_id, via="command")
        except MarshalError as exc:
            return CommandReply.failed(f"Nudges are still paused: {exc}. Try again in a moment.")
        if not was_silenced:
            return CommandReply("Nudges were not paused; they keep running as planned.")
        return CommandReply(f"<@{ctx.user_id}> resumed status-update nudges.", in_channel=True)
