"""`reopen`: undo a premature resolve (resolved -> investigating), audited REOPENED."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention
from bot.domain.lifecycle import IncidentStatus
from bot.services.permissions import IncidentPermissions
from bot.services.resolution.starter import ResolutionStarter


class ReopenCommand:
    name = "reopen"
    summary = "Reopen a resolved incident (back to investigating)."
    usage = ""
    needs_incident = True
    free_text = False

    def __init__(self, starter: ResolutionStarter, permissions: IncidentPermissions) -> None:
        self._starter = starter
        self._permissions = permissions

    def run(self, ctx: CommandContext) -> CommandReply:
        incident = ctx.require_incident()
        if incident.status is not IncidentStatus.RESOLVED:
            return CommandReply.usage(
                f"Only a resolved incident can be reopened; this one is {incident.status.value}."
            )
        decision = self._permissions.may_resolve(ctx.user_id, incident)
        self._permissions.require(decision, ctx.user_id, "reopen this incident")
        self._starter.reopen(incident, ctx.user_id)
        return CommandReply(
            f"{mention(ctx.user_id)} reopened the incident; it is *investigating* again.",
            in_channel=True,
        )
