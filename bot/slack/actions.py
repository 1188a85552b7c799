"""Block Kit action ids and the small contract an action handler implements.

Ids are stable strings (they live in posted messages and must survive a restart); the
handler finds everything else from the action's value and the store, never from memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.services.status_drafts.messages import StatusDraftActionId


class ActionId(StrEnum):
    ACKNOWLEDGE = "marshal.incident.acknowledge"
    # the drafting service posts these buttons; their ids are defined next to its Block Kit
    APPROVE_STATUS_DRAFT = StatusDraftActionId.APPROVE.value
    EDIT_STATUS_DRAFT = StatusDraftActionId.EDIT.value
    REJECT_STATUS_DRAFT = StatusDraftActionId.REJECT.value
    TICK_CHECKLIST_ITEM = "marshal.checklist.tick"
    NUDGE_POST_UPDATE = "marshal.nudge.post_update"
    NUDGE_SILENCE = "marshal.nudge.silence"
    UNTICK_CHECKLIST_ITEM = "marshal.checklist.untick"
    RESOLVE_INCIDENT = "marshal.incident.resolve"
    # one id per score: Slack wants distinct action ids within one actions block
    RATE_1 = "marshal.incident.rate.1"
    RATE_2 = "marshal.incident.rate.2"
    RATE_3 = "marshal.incident.rate.3"
    RATE_4 = "marshal.incident.rate.4"
    RATE_5 = "marshal.incident.rate.5"


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


class ViewId(StrEnum):
    """Modal callback ids; like action ids they outlive a restart."""

    EDIT_STATUS_DRAFT = "marshal.status_draft.edit_view"
    NUDGE_STATUS_UPDATE = "marshal.nudge.status_update"


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
