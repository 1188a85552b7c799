"""The live incident card: severity, title, status, IC, start and duration, the room, and a
Join button that invites whoever presses it into the (private) room.

The button's value is the incident id alone, so a press means the same after a restart;
the listener reads everything else from the store.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.ports.slack_views import IncidentCardView
from bot.services.slack_text import channel, escape, user
from bot.slack.blocks.rendered import RenderedMessage
from bot.slack.vocabulary import ActionId

_ICONS = {"resolved": ":white_check_mark:", "closed": ":white_check_mark:"}


def card_text(view: IncidentCardView) -> str:
    """The fallback text: what a notification or a search shows."""
    drill = " (drill)" if view.drill else ""
    room = f" — war room {channel(view.room_id)}" if view.room_id else ""
    icon = _ICONS.get(view.status, ":rotating_light:")
    return f"{icon} {view.severity}{drill} *{escape(view.title)}* · {view.status}{room}"


def _started(view: IncidentCardView) -> str:
    epoch = int(view.started_at.timestamp())
    fallback = view.started_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{epoch}^{{date_short_pretty}} {{time}}|{fallback}>"


def render_incident_card(view: IncidentCardView) -> RenderedMessage:
    text = card_text(view)
    fields = [
        MarkdownTextObject(text=f"*Status*\n{escape(view.status)}"),
        MarkdownTextObject(text=f"*Severity*\n{escape(view.severity)}"),
        MarkdownTextObject(text=f"*IC*\n{user(view.commander, nobody='unassigned')}"),
        MarkdownTextObject(text=f"*Acknowledged*\n{user(view.acknowledged_by, nobody='not yet')}"),
        MarkdownTextObject(text=f"*Started*\n{_started(view)}"),
        MarkdownTextObject(
            text=f"*Duration*\n{view.duration}" if view.duration else "*Duration*\nongoing"
        ),
    ]
    if view.room_id:
        fields.append(MarkdownTextObject(text=f"*Room*\n{channel(view.room_id)}"))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text)),
        SectionBlock(fields=fields),
    ]
    if view.joinable:
        join = ButtonElement(
            text=PlainTextObject(text="Join"),
            action_id=ActionId.JOIN_INCIDENT.value,
            value=view.incident_id,
            style="primary",
        )
        blocks.append(ActionsBlock(block_id="marshal.card", elements=[join]))
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text=f"Incident `{view.incident_id}`")])
    )
    return RenderedMessage.of(text, blocks)
