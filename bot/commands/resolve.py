"""`resolve [summary]`: resolve the incident now; the slow steps (status page, announcement,
rating, postmortem, archive) follow on the queue so the reply comes at once."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention
from bot.services.permissions import IncidentPermissions
from bot.services.resolution.starter import ResolutionStarter, Started, describe_resolver


class ResolveCommand:
    name = "resolve"
    summary = "Resolve the incident (IC or approvers); the postmortem is drafted and filed."
    usage = "[summary]"
    needs_incident = True
    free_text = True

    def __init__(self, starter: ResolutionStarter, permissions: IncidentPermissions) -> None:
        self._starter = starter
        self._permissions = permissions

    def run(self, ctx: CommandContext) -> CommandReply:
        incident = ctx.require_incident()
        decision = self._permissions.may_resolve(ctx.user_id, incident)
        self._permissions.require(decision, ctx.user_id, "resolve this incident")
        started = self._starter.resolve(incident, ctx.user_id, ctx.rest or None)
        later = "" if started.queued else " (the queue is busy; they start within a minute)"
        if started.outcome is Started.RESOLVED:
            return CommandReply(
                f"{mention(ctx.user_id)} resolved the incident. The announcement, rating and "
                f"postmortem follow here shortly{later}.",
                in_channel=True,
            )
        if started.outcome is Started.RESUMED:
            return CommandReply(f"Already resolved; resuming the unfinished resolve steps{later}.")
        if started.outcome is Started.ALREADY_DONE:
            return CommandReply(
                f"Already resolved by {describe_resolver(incident.resolved_by)} and every "
                f"resolve step is done. Use {ctx.hint('reopen')} if it came back."
            )
        return CommandReply.usage("This incident is closed; it cannot be resolved again.")
