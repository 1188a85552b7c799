"""`help`: every registered subcommand with its one-line summary, read from the registry."""

from __future__ import annotations

from typing import Protocol

from bot.commands.base import CommandContext, CommandReply, Subcommand
from bot.ports.slack_views import CommandHelp, Mrkdwn


class SubcommandCatalog(Protocol):
    def subcommands(self) -> list[Subcommand]: ...


class HelpCommand:
    name = "help"
    summary = "List the subcommands with one line each."
    usage = ""
    needs_incident = False
    free_text = False

    def __init__(self, catalog: SubcommandCatalog) -> None:
        self._catalog = catalog

    def run(self, ctx: CommandContext) -> CommandReply:
        lines = [
            f"• `{ctx.command} {s.name}{' ' + s.usage if s.usage else ''}` — {s.summary}"
            for s in self._catalog.subcommands()
        ]
        text = f"*{ctx.command}* subcommands:\n" + "\n".join(lines)
        return CommandReply(text, view=CommandHelp(Mrkdwn(text)))
