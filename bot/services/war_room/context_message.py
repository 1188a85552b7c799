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

from bot.domain.models import Incident

_SECTION_LIMIT = 3000
_HEADER_LIMIT = 150
_SEVERITY_EMOJI = {
    "P1": ":red_circle:",
    "P2": ":large_orange_circle:",
    "P3": ":large_yellow_circle:",
}


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters, so untrusted text renders literally."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(url: str, title: str) -> str:
    safe_title = escape_mrkdwn(title).replace("|", "¦")
    safe_url = url.replace(">", "%3E").replace("|", "%7C").replace(" ", "%20")
    return f"<{safe_url}|{safe_title}>"


def context_text(incident: Incident) -> str:
    """The notification fallback text (what shows in push notifications and search)."""
    return f"{incident.severity.value} incident: {incident.title}"


def render_context(incident: Incident) -> list[dict[str, Any]]:
    emoji = _SEVERITY_EMOJI.get(incident.severity.value, ":white_circle:")
    commander = f"<@{incident.commander}>" if incident.commander else "_unassigned_"
    fields = [
        f"*Severity*\n{emoji} {incident.severity.value}",
        f"*Status*\n{incident.status.value}",
        f"*Service*\n{escape_mrkdwn(incident.service or 'unknown')}",
        f"*Team*\n{escape_mrkdwn(incident.team or incident.service or 'unknown')}",
        f"*Source*\n{incident.source.value}" + (" (drill)" if incident.drill else ""),
        f"*Alerts*\n{incident.alert_count}",
        f"*Commander*\n{commander}",
        f"*Triggered*\n<!date^{int(incident.triggered_at.timestamp())}^{{date_short}} "
        f"{{time}}|{incident.triggered_at:%Y-%m-%d %H:%M} UTC>",
    ]
    blocks: list[dict[str, Any]] = [
        HeaderBlock(
            text=_clip(f"{incident.severity.value} · {incident.title}", _HEADER_LIMIT)
        ).to_dict(),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]).to_dict(),
    ]
    if incident.description.strip():
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=_clip(escape_mrkdwn(incident.description.strip()), _SECTION_LIMIT)
                )
            ).to_dict()
        )
    if incident.links:
        lines = "\n".join(f"• {_link(link.url, link.title)}" for link in incident.links)
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=_clip(f"*Links*\n{lines}", _SECTION_LIMIT))
            ).to_dict()
        )
    blocks.append(DividerBlock().to_dict())
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Incident `{incident.id}` · opened by marshal")]
        ).to_dict()
    )
    return blocks
