"""`page <@user|@group|service|target> [message]`: page someone now; IC or approvers only."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention
from bot.services.paging.by_hand import PageByHand
from bot.services.paging.control import PagingRefused
from bot.services.slack_text import escape


class PageCommand:
    name = "page"
    summary = "Page a person, group, service or pager target now; IC or approvers only."
    usage = "<@user|@group|service|kind:target> [message]"
    needs_incident = True
    free_text = True

    def __init__(self, by_hand: PageByHand) -> None:
        self._by_hand = by_hand

    def run(self, ctx: CommandContext) -> CommandReply:
        who, _, message = ctx.rest.strip().partition(" ")
        if not who:
            return CommandReply.usage(f"Usage: {ctx.hint(f'page {self.usage}')}")
        try:
            targets = self._by_hand.page(ctx.require_incident(), ctx.user_id, who, message)
        except PagingRefused as exc:
            return CommandReply.failed(f"Nobody paged: {escape(exc)}.")
        names = ", ".join(f"`{escape(t)}`" for t in targets)
        return CommandReply(f"{mention(ctx.user_id)} is paging {names}.", in_channel=True)
