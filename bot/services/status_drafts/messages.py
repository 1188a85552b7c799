"""Block Kit for a status-page draft posted for review: the message, its buttons, and the
message it becomes once closed.

Every button carries a DraftRef (draft id, version, body hash) in its value, so a press on
a message whose draft has since changed is recognised from the store alone, even after
a restart: nothing about a posted draft is kept in memory. The ids are defined here, below
the Slack app, so the drafting service can post the buttons that bot/slack answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.domain.models import StatusPageDraft
from bot.services.slack_text import escape, user


class StatusDraftActionId(StrEnum):
    """The review message's buttons; stable strings, they live in posted messages."""

    APPROVE = "marshal.status_draft.approve"
    EDIT = "marshal.status_draft.edit"
    REJECT = "marshal.status_draft.reject"


@dataclass(frozen=True)
class DraftRef:
    draft_id: str
    version: int
    body_sha256: str

    @classmethod
    def of(cls, draft: StatusPageDraft) -> DraftRef:
        return cls(draft.id, draft.version, draft.body_sha256)

    def encode(self) -> str:
        return f"{self.draft_id}:{self.version}:{self.body_sha256}"

    @classmethod
    def parse(cls, value: str) -> DraftRef | None:
        parts = value.split(":")
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
            return None
        return cls(parts[0], int(parts[1]), parts[2])


_FENCE = "```"
_BROKEN_FENCE = "`\u200b`\u200b`"  # looks the same, cannot close the block early
_SECTION_LIMIT = 3000  # Slack's limit for a section's text
_SHOWN_LIMIT = _SECTION_LIMIT - 2 * len(_FENCE) - 2


def shown_text(text: str) -> str:
    """Draft text as the review shows it: in a preformatted block, so Slack draws every
    character the status page will get (no bold, links or mentions made of it), escaped
    so `<!channel>` is text, and with any ``` kept from ending the block early."""
    return f"{_FENCE}\n{escape(text.replace(_FENCE, _BROKEN_FENCE))}\n{_FENCE}"


def _pieces(text: str, limit: int) -> list[str]:
    """`text` cut so that each piece, escaped, fits in `limit` characters; an escaped
    `&` is five, so a body at the post limit can need two sections."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in text.replace(_FENCE, _BROKEN_FENCE):
        cost = len(escape(char))
        if size + cost > limit:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += cost
    return [*pieces, "".join(current)]


def fallback_text(draft: StatusPageDraft) -> str:
    """The message's notification text (push notifications, search): escaped."""
    return escape(f"Status page draft ({draft.public_status.value}): {draft.title} — {draft.body}")


def _summary(draft: StatusPageDraft) -> list[SectionBlock]:
    """Title, status and body as they will be published; the body in as many sections as
    Slack's 3,000-character limit needs."""
    head = (
        f"*Status page draft* — status _{draft.public_status.value}_ — title:\n"
        f"{shown_text(draft.title)}\nText:"
    )
    blocks = [SectionBlock(text=MarkdownTextObject(text=head, verbatim=True))]
    blocks += [
        SectionBlock(text=MarkdownTextObject(text=shown_text(piece), verbatim=True))
        for piece in _pieces(draft.body, _SHOWN_LIMIT)
    ]
    return blocks


def _authors(draft: StatusPageDraft) -> str:
    # drafts saved before `editors` existed name only their last editor
    editors = list(dict.fromkeys(draft.editors or ([draft.edited_by] if draft.edited_by else [])))
    written = f"Drafted by {user(draft.drafted_by)}"
    if editors:
        written += ", edited by " + ", ".join(user(e) for e in editors)
    return written


def review_blocks(draft: StatusPageDraft, note: str | None = None) -> list[dict[str, Any]]:
    """The draft with Approve & Publish (confirmed), Edit and Reject buttons."""
    value = DraftRef.of(draft).encode()
    context = f"{_authors(draft)} · version {draft.version}. Nothing is public until someone "
    context += "approves; the title and text above are published exactly as shown."
    blocks: list[Block] = [
        *_summary(draft),
        ContextBlock(elements=[MarkdownTextObject(text=context)]),
    ]
    if note:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f":warning: {note}")))
    blocks.append(
        ActionsBlock(
            block_id="status_draft_actions",
            elements=[
                ButtonElement(
                    text="Approve & Publish",
                    action_id=StatusDraftActionId.APPROVE.value,
                    value=value,
                    style="primary",
                    confirm=ConfirmObject(
                        title="Publish to the status page?",
                        text="The title and text above go public on the status page, "
                        "exactly as shown.",
                        confirm="Publish",
                        deny="Cancel",
                    ),
                ),
                ButtonElement(text="Edit", action_id=StatusDraftActionId.EDIT.value, value=value),
                ButtonElement(
                    text="Reject",
                    action_id=StatusDraftActionId.REJECT.value,
                    value=value,
                    style="danger",
                ),
            ],
        )
    )
    return [b.to_dict() for b in blocks]


def closed_blocks(draft: StatusPageDraft, outcome: str) -> list[dict[str, Any]]:
    """The draft as it stands once no more review is possible: no buttons."""
    blocks: list[Block] = [
        *_summary(draft),
        ContextBlock(elements=[MarkdownTextObject(text=outcome)]),
    ]
    return [b.to_dict() for b in blocks]
