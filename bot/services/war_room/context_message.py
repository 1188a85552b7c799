"""The incident context message: what the room needs to know in its first minute.

Alert text comes from outside, so it is escaped for mrkdwn: a title cannot ping @channel
or forge a link. Block Kit limits (3000 chars per section text, 10 fields) are respected.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.models import AlertSource, Incident
from bot.services.slack_text import clip, escape, escape_clipped, link, user

_SECTION_LIMIT = 3000
_HEADER_LIMIT = 150
_SEVERITY_EMOJI = {
    "P1": ":red_circle:",
    "P2": ":large_orange_circle:",
    "P3": ":large_yellow_circle:",
}


def context_text(incident: Incident) -> str:
    """The notification fallback text (what shows in push notifications and search)."""
    return f"{incident.severity.value} incident: {escape(incident.title)}"


def render_context(incident: Incident) -> list[dict[str, Any]]:
    emoji = _SEVERITY_EMOJI.get(incident.severity.value, ":white_circle:")
    commander = user(incident.commander, nobody="_unassigned_")
    fields = [
        f"*Severity*\n{emoji} {incident.severity.value}",
        f"*Status*\n{incident.status.value}",
        f"*Service*\n{escape(incident.service or 'unknown')}",
        f"*Team*\n{escape(incident.team or incident.service or 'unknown')}",
        f"*Source*\n{incident.source.value}" + (" (drill)" if incident.drill else ""),
        f"*Alerts*\n{incident.alert_count}",
        f"*Commander*\n{commander}",
        f"*Triggered*\n<!date^{int(incident.triggered_at.timestamp())}^{{date_short}} "
        f"{{time}}|{incident.triggered_at:%Y-%m-%d %H:%M} UTC>",
    ]
    declared_by = incident.labels.get("declared_by")
    if incident.source is AlertSource.SLACK and declared_by:
        # set by `declare` from Slack's own user id; an alert's labels could claim anyone
        fields.append(f"*Declared by*\n{user(declared_by)}")
    blocks: list[dict[str, Any]] = [
        HeaderBlock(
            text=escape_clipped(f"{incident.severity.value} · {incident.title}", _HEADER_LIMIT)
        ).to_dict(),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]).to_dict(),
    ]
    if incident.description.strip():
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=escape_clipped(incident.description.strip(), _SECTION_LIMIT)
                )
            ).to_dict()
        )
    if incident.links:
        lines = "\n".join(f"• {link(each.url, each.title)}" for each in incident.links)
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=clip(f"*Links*\n{lines}", _SECTION_LIMIT))
            ).to_dict()
        )
    blocks.append(DividerBlock().to_dict())
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Incident `{incident.id}` · opened by marshal")]
        ).to_dict()
    )
    return blocks
