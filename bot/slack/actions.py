"""Block Kit action ids and the small contract an action handler implements.

Ids are stable strings (they live in posted messages and must survive a restart); the
handler finds everything else from the action's value and the store, never from memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class ActionId(StrEnum):
    ACKNOWLEDGE = "marshal.incident.acknowledge"
    APPROVE_STATUS_DRAFT = "marshal.status_draft.approve"
    REJECT_STATUS_DRAFT = "marshal.status_draft.reject"
    TICK_CHECKLIST_ITEM = "marshal.checklist.tick"


@dataclass(frozen=True)
class ActionInvocation:
    """One button press, in marshal's words."""

    action_id: str
    value: str
    user_id: str
    channel_id: str | None
    message_ts: str | None


# Returns text to show the presser (ephemeral), or None for nothing.
ActionHandler = Callable[[ActionInvocation], str | None]


@dataclass(frozen=True)
class ActionRoute:
    action_id: ActionId
    handle: ActionHandler
