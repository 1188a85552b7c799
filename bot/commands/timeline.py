"""`timeline`: the incident's latest timeline entries, newest first, a bounded page at a time."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply
from bot.ports.store import Timeline
from bot.services.slack_text import escape, user

PAGE_SIZE = 10
MAX_ENTRY_CHARS = 200


class TimelineCommand:
    name = "timeline"
    summary = "Show the latest timeline entries, newest first."
    usage = "[page]"
    needs_incident = True
    free_text = False

    def __init__(self, store: Timeline) -> None:
        self._store = store

    def run(self, ctx: CommandContext) -> CommandReply:
        if len(ctx.args) > 1 or (ctx.args and not ctx.args[0].isdigit()):
            return CommandReply.usage(f"Usage: {ctx.hint('timeline [page]')}")
        page = max(1, int(ctx.args[0])) if ctx.args else 1
        incident = ctx.require_incident()
        entries = list(reversed(self._store.list_timeline(incident.id)))
        pages = max(1, -(-len(entries) // PAGE_SIZE))
        if not entries:
            return CommandReply(f"The timeline is empty. Add to it with {ctx.hint('note <text>')}.")
        if page > pages:
            return CommandReply.usage(f"There are only {pages} timeline page(s).")
        shown = entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        lines = [
            f"• {e.at.strftime('%H:%M:%S')} {e.kind.value} {user(e.author)}: "
            f"{escape(e.text[:MAX_ENTRY_CHARS])}"
            for e in shown
        ]
        footer = f"Page {page} of {pages}."
        if page < pages:
            footer += f" Older: {ctx.hint(f'timeline {page + 1}')}"
        return CommandReply("*Timeline* (newest first)\n" + "\n".join(lines) + "\n" + footer)
