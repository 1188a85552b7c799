"""`followups [open|mine|overdue|all]`: list follow-ups anywhere, open ones with Done and
Not doing buttons (a view, rendered by bot/slack/blocks/followups.py)."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply
from bot.ports.slack_views import FollowUpListView, FollowUpRow, Mrkdwn
from bot.services.followups.desk import FollowUpDesk
from bot.services.followups.listing import LIST_LIMIT, FollowUpScope, select

SHOWN = 20  # rows in one Slack message (each row is two blocks; Slack allows 50)


class FollowupsCommand:
    name = "followups"
    summary = "List follow-ups: open (default), mine, overdue or all."
    usage = "[open|mine|overdue|all]"
    needs_incident = False
    free_text = False

    def __init__(self, desk: FollowUpDesk) -> None:
        self._desk = desk

    def run(self, ctx: CommandContext) -> CommandReply:
        scopes = {s.value: s for s in FollowUpScope}
        if len(ctx.args) > 1 or (ctx.args and ctx.args[0].lower() not in scopes):
            return CommandReply.usage(f"Usage: {ctx.hint(f'{self.name} {self.usage}')}")
        scope = scopes[ctx.args[0].lower()] if ctx.args else FollowUpScope.OPEN
        now = self._desk.now()
        found = select(self._desk.store, scope, now=now, user=ctx.user_id)
        if not found:
            return CommandReply(f"No {scope.value} follow-ups.")
        counted = f"at least {len(found)}" if len(found) >= LIST_LIMIT else str(len(found))
        heading = Mrkdwn(f"*{counted} {scope.value} follow-up(s)*")
        rows = tuple(FollowUpRow.of(f, now) for f in found[:SHOWN])
        view = FollowUpListView(heading=heading, rows=rows, more=max(0, len(found) - SHOWN))
        return CommandReply(heading, view=view)
