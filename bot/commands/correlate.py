"""`correlate <incident-id>` in a room (or `correlate <id> <id>` anywhere): link two incidents
in both timelines and both audit chains."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention
from bot.domain.errors import NotFound
from bot.domain.followups import FollowUpError
from bot.services.followups.correlation import IncidentCorrelation
from bot.services.slack_text import escape


class CorrelateCommand:
    name = "correlate"
    summary = "Link this incident with another in both timelines."
    usage = "<incident-id> [other-incident-id]"
    needs_incident = False  # two ids work anywhere
    free_text = False

    def __init__(self, correlation: IncidentCorrelation) -> None:
        self._correlation = correlation

    def run(self, ctx: CommandContext) -> CommandReply:
        if len(ctx.args) == 2:
            first, second = ctx.args
        elif len(ctx.args) == 1 and ctx.incident is not None:
            first, second = ctx.incident.id, ctx.args[0]
        else:
            return CommandReply.usage(
                f"Usage: {ctx.hint(f'{self.name} <incident-id>')} in a war room, or "
                f"{ctx.hint(f'{self.name} <incident-id> <incident-id>')} anywhere."
            )
        try:
            linked = self._correlation.link(first, second, by=ctx.user_id)
        except (NotFound, FollowUpError) as exc:
            return CommandReply.usage(f"{escape(exc)}.")
        if not linked.new:
            return CommandReply(f"`{first}` and `{second}` are already correlated.")
        return CommandReply(
            f"{mention(ctx.user_id)} correlated `{linked.incident.id}` with `{linked.other.id}` "
            f"(*{escape(linked.other.title)}*); both timelines say so.",
            in_channel=ctx.incident is not None,
        )
