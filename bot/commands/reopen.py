"""`reopen [incident-id]`: undo a premature resolve (resolved -> investigating), audited
REOPENED. Works in the war room and, naming the incident, from any channel (an archived room
takes no commands): the room is unarchived and its card pinned again (RoomReopening)."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, Outcome, mention
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents
from bot.services.permissions import IncidentPermissions
from bot.services.resolution.reopening import RoomReopening
from bot.services.slack_text import channel

ACTION = "reopen this incident"


class ReopenCommand:
    name = "reopen"
    summary = "Reopen a resolved incident (back to investigating); give its id outside the room."
    usage = "[incident-id]"
    needs_incident = False  # an archived room takes no commands: the id works anywhere
    free_text = False

    def __init__(
        self,
        store: Incidents,
        audit: AuditLog,
        reopening: RoomReopening,
        permissions: IncidentPermissions,
    ) -> None:
        self._store = store
        self._audit = audit
        self._reopening = reopening
        self._permissions = permissions

    def run(self, ctx: CommandContext) -> CommandReply:
        if len(ctx.args) > 1:
            return CommandReply.usage(f"Usage: {ctx.hint(f'{self.name} {self.usage}')}")
        incident = self._store.get(ctx.args[0]) if ctx.args else ctx.incident
        if incident is None:
            what = f"No incident `{ctx.args[0][:40]}`. " if ctx.args else ""
            return CommandReply.usage(
                f"{what}Name the incident (its id, as in {ctx.hint('list --all')}) or run this "
                f"in its war room: {ctx.hint(f'{self.name} {self.usage}')}"
            )
        if incident.status is not IncidentStatus.RESOLVED:
            return CommandReply.usage(
                f"Only a resolved incident can be reopened; `{incident.id}` is "
                f"{incident.status.value}."
            )
        refused = self._refusal(ctx, incident)
        if refused is not None:
            return refused
        stored, notes = self._reopening.reopen(incident, ctx.user_id)
        text = (
            f"{mention(ctx.user_id)} reopened the incident; it is *investigating* again "
            f"in {channel(stored.channel_id)}."
        )
        if notes:
            text += "\n:warning: " + "; ".join(notes) + "."
        return CommandReply(text, in_channel=True)

    def _refusal(self, ctx: CommandContext, incident: Incident) -> CommandReply | None:
        decision = self._permissions.may(ctx.user_id, incident, ACTION)
        if ctx.incident is not None and ctx.incident.id == incident.id:
            # In the room the registry audits the refusal on the incident's chain.
            self._permissions.require(decision, ctx.user_id, ACTION)
            return None
        if decision.allowed:
            return None
        self._audit.append(
            incident.id,
            actor=ctx.user_id,
            action=AuditAction.PERMISSION_DENIED,
            details={"user": ctx.user_id, "subcommand": ctx.name, "reason": decision.reason},
        )
        return CommandReply(
            f"Sorry, you may not {ACTION}: {decision.reason}.", outcome=Outcome.REFUSED
        )
