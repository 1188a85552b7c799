"""The status-draft edit modal: the view the Edit button opens and what it must remember.

The review message itself (and DraftRef, its button value) is Block Kit the drafting
service posts, in bot/services/status_drafts/messages.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from bot.domain.models import StatusPageDraft
from bot.gates.status_page import MAX_BODY_CHARS
from bot.services.status_drafts.messages import DraftRef
from bot.slack.actions import ViewId

EDIT_BLOCK = "status_draft_text"
EDIT_INPUT = "text"


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


def edit_view(draft: StatusPageDraft, context: EditContext) -> dict[str, Any]:
    view = View(
        type="modal",
        callback_id=ViewId.EDIT_STATUS_DRAFT.value,
        private_metadata=context.encode(),
        title=PlainTextObject(text="Edit status draft"),
        submit=PlainTextObject(text="Post for review"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            InputBlock(
                block_id=EDIT_BLOCK,
                label="Public text",
                element=PlainTextInputElement(
                    action_id=EDIT_INPUT,
                    multiline=True,
                    initial_value=draft.body,
                    max_length=MAX_BODY_CHARS,
                ),
                hint="The edited text is posted in the room for a fresh approval.",
            )
        ],
    )
    return view.to_dict()
