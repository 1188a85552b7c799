"""`runbook`: the runbooks for this room's service (every runbook outside a war room)."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply
from bot.domain.runbooks import Runbook, RunbookCatalog
from bot.services.slack_text import escape


def _line(runbook: Runbook) -> str:
    policy = [f"lock `{escape(runbook.lock)}`", f"reason {runbook.reason_required}"]
    if runbook.two_person:
        policy.append("two-person")
    params = ", ".join(f"{escape(k)}:{p.type.value}" for k, p in runbook.params.items())
    about = f" — {escape(runbook.description[:150])}" if runbook.description else ""
    return (
        f"• `{escape(runbook.key)}` *{escape(runbook.title)}*{about}\n"
        f"   params: {params or 'none'}; {', '.join(policy)}"
    )


class RunbookCommand:
    name = "runbook"
    summary = "List the runbooks for this room's service."
    usage = ""
    needs_incident = False
    free_text = False

    def __init__(self, catalog: RunbookCatalog) -> None:
        self._catalog = catalog

    def run(self, ctx: CommandContext) -> CommandReply:
        service = ctx.incident.service if ctx.incident else None
        runbooks = (
            self._catalog.for_service(service)
            if ctx.incident
            else list(self._catalog.runbooks.values())
        )
        where = f" for service `{escape(service)}`" if ctx.incident else ""
        if not runbooks:
            return CommandReply(f"No runbooks{where}. They come from MARSHAL_RUNBOOK_FILE.")
        lines = "\n".join(_line(r) for r in runbooks)
        hint = ctx.hint("run <key> [param=value ...] [--reason CODE text]")
        return CommandReply(f"*Runbooks{where}*\n{lines}\nPreview one with {hint}.")
