"""`severity`: change the incident's severity; only the IC or an approver may."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, mention
from bot.domain.audit import AuditAction
from bot.domain.models import Incident, utcnow
from bot.domain.severity import Severity
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents
from bot.services.incident_updates import IncidentUpdates
from bot.services.permissions import IncidentPermissions
from bot.services.slack_text import escape


class SeverityCommand:
    name = "severity"
    summary = "Change the severity (P1 worst … P5); IC or approvers only."
    usage = "P1|P2|P3|P4|P5"
    needs_incident = True
    free_text = False

    def __init__(self, store: Incidents, audit: AuditLog, permissions: IncidentPermissions) -> None:
        self._updates = IncidentUpdates(store)
        self._audit = audit
        self._permissions = permissions

    def run(self, ctx: CommandContext) -> CommandReply:
        if len(ctx.args) != 1:
            return CommandReply.usage(f"Usage: {ctx.hint(f'severity {self.usage}')}")
        try:
            target = Severity.parse(ctx.args[0])
        except ValueError as exc:
            return CommandReply.usage(f"{escape(exc)}. Usage: {ctx.hint(f'severity {self.usage}')}")
        incident = ctx.require_incident()
        self._permissions.require(
            self._permissions.may_change_severity(ctx.user_id, incident),
            ctx.user_id,
            "change the severity",
        )
        if incident.severity is target:
            return CommandReply(f"The severity is already {target.value}.")

        def change(current: Incident) -> Incident | None:
            if current.severity is target:
                return None
            return current.model_copy(update={"severity": target, "updated_at": utcnow()})

        applied = self._updates.apply(incident, change)
        if not applied.changed:  # someone else set it meanwhile
            return CommandReply(f"The severity is already {target.value}.")
        stored, before = applied.after, applied.before.severity
        self._audit.append(
            stored.id,
            actor=ctx.user_id,
            action=AuditAction.SEVERITY_CHANGED,
            details={"from": before.value, "to": target.value, "user": ctx.user_id},
        )
        return CommandReply(
            f"{mention(ctx.user_id)} changed the severity from {before.value} to *{target.value}*.",
            in_channel=True,
        )
