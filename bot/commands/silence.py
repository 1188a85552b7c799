"""`/marshal silence [30m|2h|until-resolved]`: pause this incident's status-update nudges."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply
from bot.domain.errors import MarshalError
from bot.services.nudges.silence import DEFAULT_SILENCE, NudgeSilence, SilenceLength
from bot.services.slack_text import escape


class SilenceCommand:
    name = "silence"
    summary = "Pause status-update nudges here (default 30m; or 2h, until-resolved)"
    usage = "[30m|2h|until-resolved]"
    needs_incident = True
    free_text = False

    def __init__(self, silence: NudgeSilence) -> None:
        self._silence = silence

    def run(self, ctx: CommandContext) -> CommandReply:
        incident = ctx.require_incident()
        if len(ctx.args) > 1:
            return CommandReply.usage(f"Usage: {ctx.hint(f'{self.name} {self.usage}')}")
        try:
            length = SilenceLength.parse(ctx.args[0] if ctx.args else DEFAULT_SILENCE)
        except ValueError as exc:
            return CommandReply.usage(
                f"{escape(exc)}. Usage: {ctx.hint(f'{self.name} {self.usage}')}"
            )
        try:
            self._silence.silence(incident.id, ctx.user_id, length, via="command")
        except MarshalError as exc:
            return CommandReply.failed(
                f"Nudges are NOT paused: {escape(exc)}. Try again in a moment."
            )
        return CommandReply(
            f"<@{ctx.user_id}> paused status-update nudges {length.describe()}. "
            f"Resume with {ctx.hint('unsilence')}.",
            in_channel=True,
        )
