"""The small contract an action or modal handler implements, and its route.

The ids a route answers to are bot/slack/vocabulary.py's (stable strings that live in
posted messages); the handler finds everything else from the action's value and the
store, never from memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.slack.vocabulary import ActionId, ViewId


@dataclass(frozen=True)
class ActionInvocation:
    """One button press, in marshal's words."""

    action_id: str
    value: str
    user_id: str
    channel_id: str | None
    message_ts: str | None
    trigger_id: str | None = None  # lets a handler open a modal


# Returns text to show the presser (ephemeral), or None for nothing.
ActionHandler = Callable[[ActionInvocation], str | None]


@dataclass(frozen=True)
class ActionRoute:
    action_id: ActionId
    handle: ActionHandler


@dataclass(frozen=True)
class ViewSubmission:
    """One modal submitted, in marshal's words: who, the modal's metadata, the input values."""

    callback_id: str
    user_id: str
    private_metadata: str
    values: dict[str, dict[str, dict[str, Any]]]

    def text(self, block_id: str, action_id: str) -> str:
        return str((self.values.get(block_id, {}).get(action_id) or {}).get("value") or "")


# Returns input errors to show in the modal ({block_id: message}), or None to close it.
ViewHandler = Callable[[ViewSubmission], dict[str, str] | None]


@dataclass(frozen=True)
class ViewRoute:
    callback_id: ViewId
    handle: ViewHandler
