"""`report [7d|30d]`: MTTA / MTTR and incident counts by severity and service, in the channel."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply
from bot.domain.durations import DurationError, parse_days
from bot.ports.store import Incidents
from bot.services.incident_report import build_report, render_report
from bot.services.slack_text import escape

MAX_DAYS = 365


class ReportCommand:
    name = "report"
    summary = "MTTA, MTTR and incident counts by severity and service (default 7d)."
    usage = "[7d|30d]"
    needs_incident = False
    free_text = False

    def __init__(self, store: Incidents) -> None:
        self._store = store

    def run(self, ctx: CommandContext) -> CommandReply:
        if len(ctx.args) > 1:
            return CommandReply.usage(f"Usage: {ctx.hint(f'report {self.usage}')}")
        window = ctx.args[0].lower() if ctx.args else "7d"
        try:
            days = parse_days(window, maximum_days=MAX_DAYS)
        except DurationError:
            return CommandReply.usage(
                f"`{escape(window[:40])}` is not a window like 7d or 30d (1d to {MAX_DAYS}d). "
                f"Usage: {ctx.hint(f'report {self.usage}')}"
            )
        report = build_report(self._store, days)
        # service names come from alerts; the CLI prints the same report unescaped
        services = {escape(name): count for name, count in report.by_service.items()}
        shown = report.model_copy(update={"by_service": services})
        return CommandReply(render_report(shown), in_channel=True)
