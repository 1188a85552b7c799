"""The context snapshot message: one section per source, as of when it was taken.

Whatever a source said is untrusted: escaped for mrkdwn, each row on one line and clipped,
and the section cut at whole rows so an escaped entity is never split.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.ports.context import ContextSection
from bot.ports.slack_views import ContextSnapshotView
from bot.services.slack_text import escape, escape_clipped
from bot.slack.blocks.rendered import RenderedMessage

_ROW_LIMIT = 300
_REASON_LIMIT = 120
_SECTION_LIMIT = 3000  # Block Kit's limit for a section's text
_HEADER_LIMIT = 150


def render_context_snapshot(view: ContextSnapshotView) -> RenderedMessage:
    text = f"Context snapshot for {escape(view.name)}: {escape(view.incident_title)}"
    blocks: list[Block] = [
        HeaderBlock(text=escape_clipped(f"Context snapshot · {view.name}", _HEADER_LIMIT))
    ]
    blocks += [
        SectionBlock(text=MarkdownTextObject(text=_section_text(section)))
        for section in view.sections
    ]
    stamp = int(view.at.timestamp())
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"As of <!date^{stamp}^{{date_short}} {{time_secs}}|"
                    f"{view.at:%Y-%m-%d %H:%M:%S} UTC>"
                )
            ]
        )
    )
    return RenderedMessage.of(text, blocks)


def _section_text(section: ContextSection) -> str:
    title = f"*{escape(section.title)}*"
    if section.unavailable is not None:
        reason = escape(_one_line(section.unavailable, _REASON_LIMIT))
        return f"{title}: _unavailable ({reason})_"
    text = title
    for row in section.rows:
        line = f"\n• {escape(_one_line(row, _ROW_LIMIT))}"
        if len(text) + len(line) > _SECTION_LIMIT:
            break  # whole rows only: a cut could split an escaped entity
        text += line
    return text


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())  # one line per row: a log line cannot add its own layout
    return text if len(text) <= limit else text[: limit - 1] + "…"
