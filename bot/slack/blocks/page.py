"""The page DM: severity, title, service and level, the room, and the Acknowledge button
(its value is the incident id only; the press re-reads everything from the store)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.ports.slack_views import BulkPreview, PageNotice
from bot.services.slack_text import escape_clipped
from bot.slack.blocks.rendered import RenderedMessage
from bot.slack.vocabulary import ActionId


def render_page_notice(view: PageNotice) -> RenderedMessage:
    drill = "[DRILL] " if view.drill else ""
    level = f"level {view.level}" if view.level else "paged by hand"
    service = f" ({escape_clipped(view.service, 80)})" if view.service else ""
    text = (
        f":rotating_light: {drill}You are paged ({level}): {view.severity} "
        f"*{escape_clipped(view.title, 300)}*{service}. Incident `{view.incident_id}`"
    )
    if view.room:
        text += f", war room <#{view.room}>"
    text += "."
    if view.message:
        text += f"\n>{escape_clipped(view.message, 500)}"
    button = ButtonElement(
        text=PlainTextObject(text="Acknowledge"),
        action_id=ActionId.ACKNOWLEDGE_PAGE.value,
        value=view.incident_id,
        style="primary",
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ActionsBlock(block_id="marshal.page", elements=[button]),
    ]
    return RenderedMessage.of(text, blocks)


def render_bulk_preview(view: BulkPreview) -> RenderedMessage:
    verb = "acknowledge" if view.action == "ack" else "escalate"
    lines = [
        f"• `{row.incident_id}` {row.severity} *{escape_clipped(row.title, 120)}* ({row.status})"
        for row in view.rows
    ]
    text = f"*{verb.capitalize()} {len(view.rows)} incidents?*\n" + "\n".join(lines)
    confirm = ButtonElement(
        text=PlainTextObject(text=f"Confirm: {verb} {len(view.rows)}"),
        action_id=ActionId.CONFIRM_BULK.value,
        value=view.value,
        style="danger" if view.action == "escalate" else "primary",
    )
    cancel = ButtonElement(
        text=PlainTextObject(text="Cancel"),
        action_id=ActionId.CANCEL_BULK.value,
        value=view.token,
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text[:2900])),
        ActionsBlock(block_id="marshal.bulk", elements=[confirm, cancel]),
    ]
    return RenderedMessage.of(text, blocks)
