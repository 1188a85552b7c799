"""`followup add <text> [@owner] [due 7d|2026-12-01] [P1..P3] [detective|preventative|
corrective]`: record a follow-up of the room's incident, audited in its chain.

The options are read from the end of the text, so words inside the description ("due to a
bad deploy") stay part of it.
"""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention, parse_user
from bot.domain.durations import DurationError
from bot.domain.followups import FollowUpError, FollowUpKind, FollowUpPriority, parse_due
from bot.services.followups.desk import FollowUpDesk, NewFollowUp
from bot.services.slack_text import escape

USAGE = "add <text> [@owner] [due 7d|2026-12-01] [P1..P3] [detective|preventative|corrective]"


class FollowupCommand:
    name = "followup"
    summary = "Add a follow-up (action item) to this incident, with an owner and a due date."
    usage = USAGE
    needs_incident = True
    free_text = True

    def __init__(self, desk: FollowUpDesk) -> None:
        self._desk = desk

    def run(self, ctx: CommandContext) -> CommandReply:
        if len(ctx.args) < 2 or ctx.args[0].lower() != "add":
            return CommandReply.usage(f"Usage: {ctx.hint(f'{self.name} {USAGE}')}")
        try:
            request = self._parse(ctx.args[1:])
            followup = self._desk.add(ctx.require_incident(), request, by=ctx.user_id)
        except (DurationError, FollowUpError) as exc:
            return CommandReply.usage(f"{escape(exc)}. Usage: {ctx.hint(f'{self.name} {USAGE}')}")
        return CommandReply(
            f"{mention(ctx.user_id)} added follow-up `{followup.id}`: {escape(followup.text)} "
            f"(owner {mention(followup.owner)}, due {followup.due_at:%Y-%m-%d}, "
            f"{followup.priority.value}, {followup.kind.value}).",
            in_channel=True,
        )

    def _parse(self, words: list[str]) -> NewFollowUp:
        owner: str | None = None
        due = None
        priority: FollowUpPriority | None = None
        kind: FollowUpKind | None = None
        kinds = {k.value: k for k in FollowUpKind}
        while words:
            last = words[-1]
            if len(words) >= 2 and words[-2].lower() == "due" and due is None:
                due = parse_due(last, now=self._desk.now())
                words = words[:-2]
            elif owner is None and parse_user(last) and last.startswith(("<@", "@")):
                owner = parse_user(last)
                words = words[:-1]
            elif priority is None and last.upper() in FollowUpPriority.__members__:
                priority = FollowUpPriority(last.upper())
                words = words[:-1]
            elif kind is None and last.lower() in kinds:
                kind = kinds[last.lower()]
                words = words[:-1]
            else:
                break
        return NewFollowUp(
            text=" ".join(words),
            owner=owner,
            due_at=due,
            priority=priority or FollowUpPriority.P3,
            kind=kind or FollowUpKind.CORRECTIVE,
        )
