"""`list`: open incidents (or all with --all), active ones first, one bounded page per call."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply
from bot.domain.models import Incident
from bot.ports.store import Incidents
from bot.services.slack_text import channel, escape

PAGE_SIZE = 10


def _line(incident: Incident) -> str:
    where = f" {channel(incident.channel_id)}" if incident.channel_id else ""
    return (
        f"• `{incident.id}` {incident.severity.value} {incident.status.value} — "
        f"{escape(incident.title[:100])}{where}"
    )


class ListCommand:
    name = "list"
    summary = "List open incidents (all with --all), a page at a time."
    usage = "[--all] [--cursor X]"
    needs_incident = False
    free_text = False

    def __init__(self, store: Incidents) -> None:
        self._store = store

    def run(self, ctx: CommandContext) -> CommandReply:
        show_all, cursor, bad = _parse(ctx.args)
        if bad:
            return CommandReply.usage(f"Usage: {ctx.hint(f'list {self.usage}')}")
        notice = ""
        try:
            page = self._store.list_incidents(
                open_only=not show_all, limit=PAGE_SIZE, cursor=cursor
            )
        except ValueError:
            notice = "That cursor is not valid (or has expired); showing the first page.\n"
            page = self._store.list_incidents(open_only=not show_all, limit=PAGE_SIZE)
        kind = "incidents" if show_all else "open incidents"
        if not page.items:
            return CommandReply(f"{notice}No {kind}.")
        # active responses first within the page; the store's newest-first order otherwise
        items = sorted(page.items, key=lambda i: not i.status.is_active_response)
        text = f"{notice}*{kind.capitalize()}*\n" + "\n".join(_line(i) for i in items)
        if page.next_cursor:
            more = "list --all" if show_all else "list"
            text += f"\nMore: {ctx.hint(f'{more} --cursor {page.next_cursor}')}"
        return CommandReply(text)


def _parse(args: list[str]) -> tuple[bool, str | None, bool]:
    show_all, cursor = False, None
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--all":
            show_all = True
        elif arg == "--cursor" and rest:
            cursor = rest.pop(0)
        elif arg.startswith("--cursor="):
            cursor = arg.partition("=")[2]
        else:
            return show_all, cursor, True
    return show_all, cursor, False
