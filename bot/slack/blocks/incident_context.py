"""The incident context message: what the room needs to know in its first minute.

Alert text comes from outside, so it is escaped for mrkdwn: a title cannot ping @channel
or forge a link. Block Kit limits (3000 chars per section text, 10 fields) are respected.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.ports.slack_views import IncidentContextView
from bot.services.slack_text import clip, escape, escape_clipped, link, user
from bot.slack.blocks.rendered import RenderedMessage

_SECTION_LIMIT = 3000
_HEADER_LIMIT = 150
_SEVERITY_EMOJI = {
    "P1": ":red_circle:",
    "P2": ":large_orange_circle:",
    "P3": ":large_yellow_circle:",
}


def render_incident_context(view: IncidentContextView) -> RenderedMessage:
    # the fallback text is what shows in push notifications and search
    text = f"{view.severity} incident: {escape(view.title)}"
    blocks: list[Block] = [
        HeaderBlock(text=escape_clipped(f"{view.severity} · {view.title}", _HEADER_LIMIT)),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in _fields(view)]),
    ]
    if view.description.strip():
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=escape_clipped(view.description.strip(), _SECTION_LIMIT)
                )
            )
        )
    if view.links:
        lines = "\n".join(f"• {link(each.url, each.title)}" for each in view.links)
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=clip(f"*Links*\n{lines}", _SECTION_LIMIT)))
        )
    blocks.append(DividerBlock())
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=f"Incident `{view.incident_id}` · opened by marshal")]
        )
    )
    return RenderedMessage.of(text, blocks)


def _fields(view: IncidentContextView) -> list[str]:
    emoji = _SEVERITY_EMOJI.get(view.severity, ":white_circle:")
    triggered = view.triggered_at
    fields = [
        f"*Severity*\n{emoji} {view.severity}",
        f"*Status*\n{view.status}",
        f"*Service*\n{escape(view.service or 'unknown')}",
        f"*Team*\n{escape(view.team or view.service or 'unknown')}",
        f"*Source*\n{view.source}" + (" (drill)" if view.drill else ""),
        f"*Alerts*\n{view.alert_count}",
        f"*Commander*\n{user(view.commander, nobody='_unassigned_')}",
        f"*Triggered*\n<!date^{int(triggered.timestamp())}^{{date_short}} "
        f"{{time}}|{triggered:%Y-%m-%d %H:%M} UTC>",
    ]
    if view.declared_by:
        fields.append(f"*Declared by*\n{user(view.declared_by)}")
    return fields
