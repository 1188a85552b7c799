"""`reopen [incident-id]`: undo a premature resolve (resolved -> investigating), audited
REOPENED. Works in the war room and, naming the incident, from any channel (an archived room
takes no commands): the room is unarchived and its card pinned again (RoomReopening)."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention
from bot.commands.named_incident import refusal
from bot.domain.lifecycle import IncidentStatus
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
        refused = refusal(self._permissions, self._audit, ctx, incident, ACTION)
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
