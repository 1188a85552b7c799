"""Status-page drafts in Slack: the review message, its buttons, and the edit modal.

Every button carries a DraftRef (draft id, version, body hash) in its value, so a press on
a message whose draft has since changed is recognised from the store alone, even after
a restart: nothing about a posted draft is kept in memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.models import StatusPageDraft
from bot.gates.status_page import MAX_BODY_CHARS
from bot.ports.slack_views import StatusDraftClosed, StatusDraftEditModal, StatusDraftReview
from bot.services.slack_text import escape, user
from bot.slack.blocks.rendered import RenderedMessage
from bot.slack.vocabulary import ActionId, InputId, ViewId


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


@dataclass(frozen=True)
class EditContext:
    """What the edit modal must remember: the draft it edits and the message it came from."""

    ref: DraftRef
    channel_id: str
    message_ts: str

    def encode(self) -> str:
        return json.dumps({"ref": self.ref.encode(), "c": self.channel_id, "ts": self.message_ts})

    @classmethod
    def parse(cls, text: str) -> EditContext | None:
        try:
            raw = json.loads(text)
            ref = DraftRef.parse(str(raw["ref"]))
            channel_id, ts = str(raw["c"]), str(raw["ts"])
        except (ValueError, KeyError, TypeError):
            return None
        return cls(ref, channel_id, ts) if ref else None


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


def render_review(view: StatusDraftReview) -> RenderedMessage:
    """The draft with Approve & Publish (confirmed), Edit and Reject buttons."""
    draft, note = view.draft, view.note
    value = DraftRef.of(draft).encode()
    # one version per text: the first, then one more per edit (not the store's counter,
    # which moves on every state change)
    shown_version = len(draft.editors) + 1
    context = f"{_authors(draft)} · version {shown_version}. Nothing is public until someone "
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
                    action_id=ActionId.APPROVE_STATUS_DRAFT.value,
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
                ButtonElement(text="Edit", action_id=ActionId.EDIT_STATUS_DRAFT.value, value=value),
                ButtonElement(
                    text="Reject",
                    action_id=ActionId.REJECT_STATUS_DRAFT.value,
                    value=value,
                    style="danger",
                ),
            ],
        )
    )
    return RenderedMessage.of(fallback_text(draft), blocks)


def render_closed(view: StatusDraftClosed) -> RenderedMessage:
    """The draft as it stands once no more review is possible: no buttons. A text an edit
    replaced stays readable, struck through, so the room sees what changed."""
    summary = _struck(view.draft) if view.struck else _summary(view.draft)
    blocks: list[Block] = [
        *summary,
        ContextBlock(elements=[MarkdownTextObject(text=view.outcome)]),
    ]
    return RenderedMessage.of(fallback_text(view.draft), blocks)


def _struck(draft: StatusPageDraft) -> list[SectionBlock]:
    head = f"~Status page draft~ — status _{draft.public_status.value}_ — replaced by an edit:"
    lines = [f"~{escape(line.replace('~', ''))}~" for line in draft.body.splitlines() if line]
    return [
        SectionBlock(text=MarkdownTextObject(text=head, verbatim=True)),
        *(
            SectionBlock(text=MarkdownTextObject(text=piece, verbatim=True))
            for piece in _pieces("\n".join(lines), _SHOWN_LIMIT)
            if piece
        ),
    ]


def render_edit_modal(modal: StatusDraftEditModal) -> dict[str, Any]:
    draft = modal.draft
    context = EditContext(DraftRef.of(draft), modal.channel_id, modal.message_ts)
    view = View(
        type="modal",
        callback_id=ViewId.EDIT_STATUS_DRAFT.value,
        private_metadata=context.encode(),
        title=PlainTextObject(text="Edit status draft"),
        submit=PlainTextObject(text="Post for review"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            InputBlock(
                block_id=InputId.STATUS_DRAFT_TEXT.value,
                label="Public text",
                element=PlainTextInputElement(
                    action_id=InputId.STATUS_DRAFT_TEXT_INPUT.value,
                    multiline=True,
                    initial_value=draft.body,
                    max_length=MAX_BODY_CHARS,
                ),
                hint="The edited text is posted in the room for a fresh approval.",
            )
        ],
    )
    return view.to_dict()
