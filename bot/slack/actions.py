"""Block Kit action ids and the small contract an action handler implements.

Ids are stable strings (they live in posted messages and must survive a restart); the
handler finds everything else from the action's value and the store, never from memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ActionId(StrEnum):
    ACKNOWLEDGE = "marshal.incident.acknowledge"
    APPROVE_STATUS_DRAFT = "marshal.status_draft.approve"
    REJECT_STATUS_DRAFT = "marshal.status_draft.reject"
    TICK_CHECKLIST_ITEM = "marshal.checklist.tick"
    NUDGE_POST_UPDATE = "marshal.nudge.post_update"
    NUDGE_SILENCE = "marshal.nudge.silence"


@dataclass(frozen=True)
class ActionInvocation:
    """One button press, in marshal's words."""

    action_id: str
    value: str
    user_id: str
    channel_id: str | None
    message_ts: str | None
    trigger_id: str | None = None  # lets a handler open a modal (views.open) for the presser


# Returns text to show the presser (ephemeral), or None for nothing.
ActionHandler = Callable[[ActionInvocation], str | None]


@dataclass(frozen=True)
class ActionRoute:
    action_id: ActionId
    handle: ActionHandler


@dataclass(frozen=True)
class ViewSubmission:
    """One submitted modal, in marshal's words."""

    callback_id: str
    user_id: str
    view: dict[str, Any]


# Returns errors by input block id (the modal stays open and shows them), or None to close it.
ViewHandler = Callable[[ViewSubmission], dict[str, str] | None]


@dataclass(frozen=True)
class ViewRoute:
    callback_id: str
    handle: ViewHandler
