"""`ack`: record who acknowledged the incident (once) and start investigating when allowed."""

from __future__ import annotations

from collections.abc import Callable

from bot.commands.base import CommandContext, CommandReply, mention
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import TRANSITIONS, IncidentStatus
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents
from bot.services.incident_updates import IncidentUpdates


class AckCommand:
    name = "ack"
    summary = "Acknowledge the incident (once); moves a new incident to investigating."
    usage = ""
    needs_incident = True
    free_text = False

    def __init__(
        self,
        store: Incidents,
        audit: AuditLog,
        *,
        on_acknowledged: Callable[[Incident, str], object] | None = None,
    ) -> None:
        """`on_acknowledged(incident, user)`: paging stops escalating (also when the
        incident was acknowledged before, e.g. before a reopen paged it again)."""
        self._updates = IncidentUpdates(store)
        self._audit = audit
        self._on_acknowledged = on_acknowledged

    def run(self, ctx: CommandContext) -> CommandReply:
        reply = self._acknowledge(ctx)
        if self._on_acknowledged is not None:  # after the ack itself, which it must not race
            self._on_acknowledged(ctx.require_incident(), ctx.user_id)
        return reply

    def _acknowledge(self, ctx: CommandContext) -> CommandReply:
        incident = ctx.require_incident()
        if incident.acknowledged_by:
            return self._already(incident)

        def acknowledge(current: Incident) -> Incident | None:
            if current.acknowledged_by:
                return None
            now = utcnow()
            acked = current.model_copy(
                update={"acknowledged_by": ctx.user_id, "acknowledged_at": now}
            )
            early = current.status in {
                IncidentStatus.TRIGGERED,
                IncidentStatus.ASSEMBLING,
                IncidentStatus.ASSEMBLY_FAILED,
            }
            if early and IncidentStatus.INVESTIGATING in TRANSITIONS[current.status]:
                acked = acked.transition(IncidentStatus.INVESTIGATING, at=now)
            return acked

        applied = self._updates.apply(incident, acknowledge)
        stored = applied.after
        if not applied.changed:
            return self._already(stored)
        self._audit.append(
            stored.id,
            actor=ctx.user_id,
            action=AuditAction.ACKNOWLEDGED,
            details={"user": ctx.user_id},
        )
        if stored.status is not applied.before.status:
            self._audit.append(
                stored.id,
                actor=ctx.user_id,
                action=AuditAction.STATUS_CHANGED,
                details={"from": applied.before.status.value, "to": stored.status.value},
            )
        return CommandReply(
            f"{mention(ctx.user_id)} acknowledged the incident. State: *{stored.status.value}*.",
            in_channel=True,
        )

    @staticmethod
    def _already(incident: Incident) -> CommandReply:
        at = incident.acknowledged_at
        when = f" at {at.strftime('%H:%M:%S UTC')}" if at else ""
        return CommandReply(f"Already acknowledged by {mention(incident.acknowledged_by)}{when}.")
