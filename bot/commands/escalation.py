"""`escalation hold <duration> <reason>` / `escalation resume`: pause automatic escalation
for a bounded time (it ends by itself), or end the pause now; IC or approvers only."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention
from bot.services.paging.control import PagingControl, PagingRefused
from bot.services.slack_text import escape


class EscalationCommand:
    name = "escalation"
    summary = "Hold automatic escalation for a while, or resume it; IC or approvers only."
    usage = "hold <duration> <reason> | resume"
    needs_incident = True
    free_text = True

    def __init__(self, paging: PagingControl) -> None:
        self._paging = paging

    def run(self, ctx: CommandContext) -> CommandReply:
        words = ctx.rest.split(maxsplit=2)
        verb = words[0].lower() if words else ""
        incident = ctx.require_incident()
        try:
            if verb == "hold" and len(words) == 3:
                until = self._paging.hold(incident, ctx.user_id, words[1], words[2])
                return CommandReply(
                    f"{mention(ctx.user_id)} held escalation until "
                    f"{until.strftime('%H:%M:%S UTC')}: {escape(words[2])}.",
                    in_channel=True,
                )
            if verb == "resume":  # the rest, however many words, is the reason
                self._paging.resume(incident, ctx.user_id, ctx.rest.strip()[len(verb) :])
                return CommandReply(f"{mention(ctx.user_id)} resumed escalation.", in_channel=True)
        except PagingRefused as exc:
            return CommandReply.failed(f"Escalation unchanged: {escape(exc)}.")
        return CommandReply.usage(
            f"Usage: {ctx.hint(f'escalation {self.usage}')} "
            f"(a hold lasts at most {self._paging.max_hold()})"
        )
