"""`role`: assign or claim IC, comms or scribe; the holder gets a DM with the role's duties."""

from __future__ import annotations

import logging

from bot.commands.base import CommandContext, CommandReply, mention, parse_user
from bot.domain.audit import AuditAction
from bot.domain.models import Incident, Role, utcnow
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.store import Incidents
from bot.services.incident_updates import apply_change
from bot.services.known_users import why_not_a_responder
from bot.services.permissions import IncidentPermissions
from bot.services.slack_text import escape

log = logging.getLogger(__name__)

DUTIES: dict[Role, str] = {
    Role.IC: (
        "You are the *incident commander*: own decisions and priorities, keep the state and "
        "severity current, assign comms and scribe, and call mitigation and resolution."
    ),
    Role.COMMS: (
        "You are *comms*: keep stakeholders informed, draft status-page updates for approval, "
        "and post regular updates in the war room."
    ),
    Role.SCRIBE: (
        "You are the *scribe*: record decisions and findings with `note`, pin key messages "
        "to the timeline, and keep the timeline complete for the postmortem."
    ),
}


class RoleCommand:
    name = "role"
    summary = "Assign a role (ic, comms, scribe) to someone, or claim it yourself."
    usage = "ic|comms|scribe [@user]"
    needs_incident = True
    free_text = False

    def __init__(
        self,
        store: Incidents,
        audit: AuditLog,
        slack: SlackGateway,
        permissions: IncidentPermissions,
    ) -> None:
        self._store = store
        self._audit = audit
        self._slack = slack
        self._permissions = permissions

    def run(self, ctx: CommandContext) -> CommandReply:
        if not 1 <= len(ctx.args) <= 2 or ctx.args[0].lower() not in {r.value for r in Role}:
            return CommandReply.usage(f"Usage: {ctx.hint(f'role {self.usage}')}")
        role = Role(ctx.args[0].lower())
        holder = parse_user(ctx.args[1]) if len(ctx.args) == 2 else ctx.user_id
        if holder is None:
            return CommandReply.usage(
                f"`{escape(ctx.args[1][:60])}` is not a Slack user mention. "
                f"Usage: {ctx.hint(f'role {self.usage}')}"
            )
        incident = ctx.require_incident()
        previous = incident.roles.get(role)
        if previous == holder:
            return CommandReply(f"{mention(holder)} already holds {role.value}.")
        if role is Role.IC and previous is not None:
            self._permissions.require(
                self._permissions.may_hand_over(ctx.user_id, incident),
                ctx.user_id,
                "reassign the incident commander",
            )
        refusal = None if holder == ctx.user_id else why_not_a_responder(self._slack, holder)
        if refusal is not None:
            return CommandReply.failed(
                f"`{holder}` was not made {role.value}: {refusal}. Nothing changed."
            )

        def assign(current: Incident) -> Incident:
            roles = {**current.roles, role: holder}
            return current.model_copy(update={"roles": roles, "updated_at": utcnow()})

        stored, _ = apply_change(self._store, incident, assign)
        self._audit.append(
            stored.id,
            actor=ctx.user_id,
            action=AuditAction.ROLE_ASSIGNED,
            details={"role": role.value, "user": holder, "previous": previous},
        )
        text = f"{mention(holder)} is now *{role.value}* (set by {mention(ctx.user_id)})."
        return CommandReply(text + self._notify(holder, role, stored), in_channel=True)

    def _notify(self, holder: str, role: Role, incident: Incident) -> str:
        where = f" in <#{incident.channel_id}>" if incident.channel_id else ""
        try:
            self._slack.send_dm(holder, f"{DUTIES[role]}\nIncident `{incident.id}`{where}.")
        except SlackCallFailed as exc:
            log.warning("role DM failed", extra={"error": exc.error})
            return f" (I could not DM them the duties: {exc.error})"
        return ""
