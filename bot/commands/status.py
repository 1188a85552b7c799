"""`status`: the incident's summary — title, severity, state, roles, times and channel.

`status draft [investigating|identified|monitoring|resolved] [text]` hands over to the
status-page approval gate's room side (one branch; the gate owns everything else).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.commands.base import CommandContext, CommandReply, mention
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident, PublicStatus, Role, StatusPageDraft
from bot.ports.slack_views import IncidentSummary, Mrkdwn
from bot.services.paging.describe import describe_escalation
from bot.services.slack_text import channel, escape


class StatusDrafting(Protocol):
    """The status-page drafting service (bot/services/status_drafts) as this command needs it."""

    def post_draft(
        self,
        incident: Incident,
        user_id: str,
        channel_id: str,
        text: str | None = None,
        public_status: PublicStatus = PublicStatus.INVESTIGATING,
    ) -> StatusPageDraft: ...


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC") if at else "—"


def summary_lines(incident: Incident) -> list[str]:
    roles = ", ".join(f"{r.value}: {mention(incident.roles.get(r))}" for r in Role)
    return [
        f"*Incident:* `{incident.id}`",
        f"*Severity:* {incident.severity.value}",
        f"*State:* {incident.status.value}",
        f"*IC:* {mention(incident.commander)}",
        f"*Roles:* {roles}",
        f"*Triggered:* {_when(incident.triggered_at)}",
        f"*Acknowledged:* {_when(incident.acknowledged_at)}"
        + (f" by {mention(incident.acknowledged_by)}" if incident.acknowledged_by else ""),
        f"*Mitigated:* {_when(incident.mitigated_at)}",
        f"*Resolved:* {_when(incident.resolved_at)}",
        f"*Channel:* {channel(incident.channel_id)}",
        f"*Paging:* {describe_escalation(incident)}",
    ]


# The public state a draft starts from when none is typed: where the incident stands now.
_PUBLIC_FOR: dict[IncidentStatus, PublicStatus] = {
    IncidentStatus.IDENTIFIED: PublicStatus.IDENTIFIED,
    IncidentStatus.MONITORING: PublicStatus.MONITORING,
    IncidentStatus.MITIGATED: PublicStatus.MONITORING,
    IncidentStatus.RESOLVED: PublicStatus.RESOLVED,
    IncidentStatus.CLOSED: PublicStatus.RESOLVED,
}


def public_status_for(status: IncidentStatus) -> PublicStatus:
    return _PUBLIC_FOR.get(status, PublicStatus.INVESTIGATING)


class StatusCommand:
    name = "status"
    summary = (
        "Show this incident's summary; `status draft [state] [text]` drafts a status-page "
        "post for approval."
    )
    usage = "[draft [investigating|identified|monitoring|resolved] [text]]"
    needs_incident = True
    free_text = True  # draft text keeps its apostrophes

    def __init__(self, drafting: StatusDrafting | None = None) -> None:
        self._drafting = drafting

    def run(self, ctx: CommandContext) -> CommandReply:
        incident = ctx.require_incident()
        if ctx.args[:1] == ["draft"]:
            return self._draft(ctx, incident)
        lines = summary_lines(incident)
        text = f"*{escape(incident.title)}*\n" + "\n".join(lines)
        view = IncidentSummary(incident.title, tuple(Mrkdwn(line) for line in lines), Mrkdwn(text))
        return CommandReply(text, view=view)

    def _draft(self, ctx: CommandContext, incident: Incident) -> CommandReply:
        if self._drafting is None:
            return CommandReply.failed(
                "Status-page drafting is not set up in this marshal; nothing was drafted."
            )
        rest = ctx.rest.split(None, 1)[1] if len(ctx.args) > 1 else ""
        head, _, tail = rest.partition(" ")
        status = public_status_for(incident.status)
        if head.lower() in set(PublicStatus):
            status, rest = PublicStatus(head.lower()), tail
        self._drafting.post_draft(
            incident, ctx.user_id, ctx.channel_id, rest.strip() or None, status
        )
        return CommandReply(
            "Status-page draft posted below for review. Nothing is public until someone "
            "who may approve presses Approve & Publish."
        )
