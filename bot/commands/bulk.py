"""`bulk ack|escalate [filters]`: preview the open incidents a filter matches, then act on
each after Confirm (bot/services/paging/bulk.py)."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply
from bot.services.paging.bulk import USAGE, BulkPaging
from bot.services.paging.control import PagingRefused
from bot.services.slack_text import escape


class BulkCommand:
    name = "bulk"
    summary = "Acknowledge or escalate many open incidents at once, after a preview."
    usage = USAGE
    needs_incident = False
    free_text = False

    def __init__(self, bulk: BulkPaging) -> None:
        self._bulk = bulk

    def run(self, ctx: CommandContext) -> CommandReply:
        if not ctx.args:
            return CommandReply.usage(f"Usage: {ctx.hint(f'bulk {self.usage}')}")
        try:
            preview = self._bulk.preview(ctx.args[0].lower(), ctx.args[1:], ctx.user_id)
        except PagingRefused as exc:
            return CommandReply.failed(f"Nothing to do: {escape(exc)}.")
        return CommandReply(f"{len(preview.rows)} incidents match; confirm below.", view=preview)
