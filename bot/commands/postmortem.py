"""`postmortem done [incident-id]`: mark a resolved incident's postmortem finished, which
stops the postmortem-due reminder; sets `Incident.postmortem_done_at`, audited POSTMORTEM_DONE.

Works in the war room after resolve (the registry finds a channel's incident whatever its
state) and, naming the incident id, from any channel: the room is archived once the
postmortem is filed, and nobody can type in an archived channel.
"""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention
from bot.commands.named_incident import refusal
from bot.domain.audit import AuditAction
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents
from bot.services.incident_updates import apply_change
from bot.services.permissions import IncidentPermissions
from bot.services.slack_text import escape

ACTION = "mark the postmortem done"


class PostmortemCommand:
    name = "postmortem"
    summary = "Mark the postmortem done (IC or approvers); stops the postmortem-due reminder."
    usage = "done [incident-id]"
    needs_incident = False  # an archived room cannot run commands; the id works anywhere
    free_text = False

    def __init__(self, store: Incidents, audit: AuditLog, permissions: IncidentPermissions) -> None:
        self._store = store
        self._audit = audit
        self._permissions = permissions

    def run(self, ctx: CommandContext) -> CommandReply:
        if not ctx.args or ctx.args[0].lower() != "done" or len(ctx.args) > 2:
            return CommandReply.usage(f"Usage: {ctx.hint(f'{self.name} {self.usage}')}")
        incident = self._incident(ctx)
        if incident is None:
            return CommandReply.usage(
                "Name the incident (its id, as in "
                f"{ctx.hint('list')}) or run this in its war room: "
                f"{ctx.hint(f'{self.name} {self.usage}')}"
            )
        if incident.is_open or incident.resolved_at is None:
            return CommandReply.usage(
                f"`{incident.id}` is {incident.status.value}; resolve it before marking "
                "its postmortem done."
            )
        if incident.postmortem_done_at is not None:
            return CommandReply(
                f"The postmortem of `{incident.id}` was already marked done "
                f"({incident.postmortem_done_at:%Y-%m-%d %H:%M} UTC)."
            )
        refused = refusal(self._permissions, self._audit, ctx, incident, ACTION)
        if refused is not None:
            return refused
        return self._mark_done(ctx, incident)

    def _incident(self, ctx: CommandContext) -> Incident | None:
        if len(ctx.args) == 2:
            return self._store.get(ctx.args[1])
        return ctx.incident

    def _mark_done(self, ctx: CommandContext, incident: Incident) -> CommandReply:
        now = utcnow()

        def to_done(current: Incident) -> Incident | None:
            if current.postmortem_done_at is not None:
                return None  # someone else marked it first; theirs stands
            return current.model_copy(update={"postmortem_done_at": now})

        stored, changed = apply_change(self._store, incident, to_done)
        if not changed:
            return CommandReply(f"The postmortem of `{incident.id}` was already marked done.")
        self._audit.append(
            stored.id,
            actor=ctx.user_id,
            action=AuditAction.POSTMORTEM_DONE,
            details={"user": ctx.user_id, "channel": ctx.channel_id},
            event_id=f"{stored.id}.postmortem_done",
        )
        return CommandReply(
            f"{mention(ctx.user_id)} marked the postmortem of "
            f"*{escape(stored.title)}* done; no more postmortem reminders.",
            in_channel=True,
        )
