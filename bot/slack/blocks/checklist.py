"""The war-room checklist message: one row per item with a Done or Undo button.

Each button's value carries the incident id and item key, so a press still means the same
thing after a restart; `parse_button_value` reads it back for the listener.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.ports.slack_views import ChecklistRow, ChecklistView
from bot.services.slack_text import escape, user
from bot.services.war_room.checklist import StaleChecklistAction
from bot.slack.blocks.rendered import RenderedMessage
from bot.slack.vocabulary import ActionId


def button_value(incident_id: str, item_key: str) -> str:
    return f"{incident_id}|{item_key}"


def parse_button_value(value: str) -> tuple[str, str]:
    incident_id, sep, item_key = value.partition("|")
    if not sep or not incident_id or not item_key:
        raise StaleChecklistAction(f"this button's value {value!r} is not a checklist item")
    return incident_id, item_key


def checklist_text(view: ChecklistView) -> str:
    return f"Checklist for {escape(view.title)}: {view.done}/{len(view.rows)} done"


def render_checklist(view: ChecklistView) -> RenderedMessage:
    text = checklist_text(view)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{text}*"))]
    blocks += [_row(view.incident_id, row) for row in view.rows]
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(text=f"Incident `{view.incident_id}` · buttons survive restarts")
            ]
        )
    )
    return RenderedMessage.of(text, blocks)


def _row(incident_id: str, row: ChecklistRow) -> SectionBlock:
    value = button_value(incident_id, row.key)
    if row.ticked_by is not None and row.ticked_at is not None:
        text = f":white_check_mark: ~{row.label}~  {user(row.ticked_by)} {row.ticked_at:%H:%M} UTC"
        button = ButtonElement(
            text="Undo", action_id=ActionId.UNTICK_CHECKLIST_ITEM.value, value=value
        )
    else:
        text = f":white_large_square: {row.label}"
        button = ButtonElement(
            text="Done", action_id=ActionId.TICK_CHECKLIST_ITEM.value, value=value, style="primary"
        )
    return SectionBlock(
        block_id=f"checklist.{row.key}", text=MarkdownTextObject(text=text), accessory=button
    )
