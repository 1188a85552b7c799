"""The permission check of a subcommand that may name its incident from any channel (`reopen
<id>`, `postmortem done <id>`): in the incident's own room the registry audits a refusal as for
any command; named from elsewhere it would land on the workspace chain, so the refusal is
audited here, on the chain of the incident it was about."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply, Outcome
from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.services.permissions import IncidentPermissions


def refusal(
    permissions: IncidentPermissions,
    audit: AuditLog,
    ctx: CommandContext,
    incident: Incident,
    action: str,
) -> CommandReply | None:
    """None when `ctx.user_id` may do `action` on `incident`; else the refusal to answer."""
    decision = permissions.may(ctx.user_id, incident, action)
    if ctx.incident is not None and ctx.incident.id == incident.id:
        permissions.require(decision, ctx.user_id, action)  # raises; the registry audits
        return None
    if decision.allowed:
        return None
    audit.append(
        incident.id,
        actor=ctx.user_id,
        action=AuditAction.PERMISSION_DENIED,
        details={"user": ctx.user_id, "subcommand": ctx.name, "reason": decision.reason},
    )
    return CommandReply(f"Sorry, you may not {action}: {decision.reason}.", outcome=Outcome.REFUSED)
