"""Replies to slash commands that are more than a line: `help` and `status`."""

from __future__ import annotations

from slack_sdk.models.blocks import HeaderBlock, MarkdownTextObject, SectionBlock

from bot.ports.slack_views import CommandHelp, IncidentSummary
from bot.services.slack_text import escape_clipped
from bot.slack.blocks.rendered import RenderedMessage

_SECTION_LIMIT = 3000  # Slack's limit for a section's text
_HEADER_LIMIT = 150  # and for a header's
_FIELDS_LIMIT = 10  # fields a section may carry


def render_command_help(view: CommandHelp) -> RenderedMessage:
    block = SectionBlock(text=MarkdownTextObject(text=view.text[:_SECTION_LIMIT]))
    return RenderedMessage.of(view.text, [block])


def render_incident_summary(view: IncidentSummary) -> RenderedMessage:
    blocks = [
        HeaderBlock(text=escape_clipped(view.title, _HEADER_LIMIT)),
        SectionBlock(
            fields=[MarkdownTextObject(text=line) for line in view.fields[:_FIELDS_LIMIT]]
        ),
    ]
    return RenderedMessage.of(view.text, blocks)
