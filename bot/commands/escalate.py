"""`escalate [reason]`: page the next level of the incident's escalation policy now."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention
from bot.services.paging.control import PagingControl, PagingRefused
from bot.services.slack_text import escape


class EscalateCommand:
    name = "escalate"
    summary = "Page the next escalation level now; IC or approvers only."
    usage = "[reason]"
    needs_incident = True
    free_text = True

    def __init__(self, paging: PagingControl) -> None:
        self._paging = paging

    def run(self, ctx: CommandContext) -> CommandReply:
        incident = ctx.require_incident()
        try:
            self._paging.escalate(incident, ctx.user_id, ctx.rest)
        except PagingRefused as exc:
            return CommandReply.failed(f"Not escalated: {escape(exc)}.")
        why = f": {escape(ctx.rest.strip())}" if ctx.rest.strip() else ""
        return CommandReply(
            f"{mention(ctx.user_id)} escalated; the next level is being paged{why}.",
            in_channel=True,
        )
