"""RenderedMessage: what chat.postMessage / chat.update take, produced from a view."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block


@dataclass(frozen=True)
class RenderedMessage:
    text: str  # the notification / fallback text (push notifications, search)
    blocks: list[dict[str, Any]]

    @classmethod
    def of(cls, text: str, blocks: list[Block]) -> RenderedMessage:
        return cls(text, [block.to_dict() for block in blocks])
