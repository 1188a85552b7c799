"""`status`: the incident's summary — title, severity, state, roles, times and channel."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import HeaderBlock, MarkdownTextObject, SectionBlock

from bot.commands.base import CommandContext, CommandReply, mention
from bot.domain.models import Incident, Role


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
        f"*Channel:* <#{incident.channel_id}>" if incident.channel_id else "*Channel:* —",
    ]


class StatusCommand:
    name = "status"
    summary = "Show this incident's title, severity, state, roles, times and channel."
    usage = ""
    needs_incident = True
    free_text = False

    def run(self, ctx: CommandContext) -> CommandReply:
        incident = ctx.require_incident()
        lines = summary_lines(incident)
        text = f"*{incident.title}*\n" + "\n".join(lines)
        blocks = [
            HeaderBlock(text=incident.title[:150]).to_dict(),
            SectionBlock(
                fields=[MarkdownTextObject(text=line) for line in lines[:10]],
            ).to_dict(),
        ]
        return CommandReply(text, blocks=blocks)
