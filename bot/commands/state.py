"""`state`: move the incident between the working states through the domain state machine."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents
from bot.services.incident_updates import IncidentUpdates

SETTABLE = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
    IncidentStatus.MITIGATED,
)


class StateCommand:
    name = "state"
    summary = "Set the incident state: investigating, identified, monitoring or mitigated."
    usage = "|".join(s.value for s in SETTABLE)
    needs_incident = True
    free_text = False

    def __init__(self, store: Incidents, audit: AuditLog) -> None:
        self._updates = IncidentUpdates(store)
        self._audit = audit

    def run(self, ctx: CommandContext) -> CommandReply:
        choices = {s.value: s for s in SETTABLE}
        if len(ctx.args) != 1 or ctx.args[0].lower() not in choices:
            return CommandReply.usage(f"Usage: {ctx.hint(f'state {self.usage}')}")
        target = choices[ctx.args[0].lower()]
        incident = ctx.require_incident()

        def move(current: Incident) -> Incident:
            return current.transition(target)  # raises IllegalTransition with the domain text

        applied = self._updates.apply(incident, move)
        stored, before = applied.after, applied.before.status
        self._audit.append(
            stored.id,
            actor=ctx.user_id,
            action=AuditAction.STATUS_CHANGED,
            details={"from": before.value, "to": target.value, "user": ctx.user_id},
        )
        return CommandReply(
            f"{mention(ctx.user_id)} set the state to *{target.value}* (was {before.value}).",
            in_channel=True,
        )
