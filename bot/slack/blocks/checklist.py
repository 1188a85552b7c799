"""The war-room checklist message: the items as lines (ticked ones with who and when, or
"marshal" for what marshal knows by itself), and two menus instead of a button per item:
"Mark done…" lists the open items, "Undo…" the ones people ticked.

Each option's value carries the incident id and item key, so a choice still means the same
thing after a restart; `parse_button_value` reads it back for the listener. The menus use
the tick and untick action ids the per-item buttons of older messages carry, so those keep
working too.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.ports.slack_views import ChecklistRow, ChecklistView
from bot.services.slack_text import escape, escape_clipped, user
from bot.services.war_room.checklist import MARSHAL, StaleChecklistAction
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


ROWS_PER_SECTION = 10  # keeps each section well inside Slack's 3,000-character text limit
OPTION_LIMIT = 75  # Slack's limit for an option's text


def render_checklist(view: ChecklistView) -> RenderedMessage:
    text = checklist_text(view)
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f"*{text}*"))]
    for start in range(0, len(view.rows), ROWS_PER_SECTION):
        lines = "\n".join(_line(row) for row in view.rows[start : start + ROWS_PER_SECTION])
        blocks.append(SectionBlock(text=MarkdownTextObject(text=lines)))
    menus = _menus(view)
    if menus:
        blocks.append(ActionsBlock(block_id="checklist.menus", elements=menus))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(text=f"Incident `{view.incident_id}` · menus survive restarts")
            ]
        )
    )
    return RenderedMessage.of(text, blocks)


def _line(row: ChecklistRow) -> str:
    label = escape(row.label)
    if row.ticked_by is None:
        return f":white_large_square: {label}"
    when = f" {row.ticked_at:%H:%M} UTC" if row.ticked_at else ""
    return f":white_check_mark: ~{label}~  {user(row.ticked_by)}{when}"


def _menus(view: ChecklistView) -> list[StaticSelectElement]:
    open_rows = [row for row in view.rows if row.ticked_by is None]
    # marshal's own ticks follow the incident; only a person's tick can be undone
    undoable = [row for row in view.rows if row.ticked_by not in (None, MARSHAL)]
    menus = []
    for rows, action, placeholder in (
        (open_rows, ActionId.TICK_CHECKLIST_ITEM, "Mark done…"),
        (undoable, ActionId.UNTICK_CHECKLIST_ITEM, "Undo…"),
    ):
        if rows:
            options = [
                Option(
                    text=PlainTextObject(text=escape_clipped(row.label, OPTION_LIMIT)),
                    value=button_value(view.incident_id, row.key),
                )
                for row in rows
            ]
            menus.append(
                StaticSelectElement(
                    placeholder=PlainTextObject(text=placeholder),
                    action_id=action.value,
                    options=options,
                )
            )
    return menus
