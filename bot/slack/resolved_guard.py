"""The resolved-incident guard: a button a resolve retired (bot/slack/blocks/retired.py),
pressed anyway from a message Slack had not refreshed yet, answers the presser that the
incident is resolved and does nothing. Wraps those routes only; the room's incident is
found from the channel the button was pressed in, where all of them are posted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.ports.store import Incidents
from bot.slack.actions import ActionHandler, ActionInvocation, ActionRoute
from bot.slack.blocks.retired import RETIRED_ON_RESOLVE
from bot.slack.vocabulary import ActionId

# Status-draft buttons are left to the approval gate: the resolve flow's own resolution
# draft is reviewed after the resolve, and the gate already refuses superseded drafts.
_GUARDED = RETIRED_ON_RESOLVE - {
    ActionId.APPROVE_STATUS_DRAFT.value,
    ActionId.EDIT_STATUS_DRAFT.value,
    ActionId.REJECT_STATUS_DRAFT.value,
}


@dataclass(frozen=True)
class _ResolvedGuard:
    store: Incidents
    handle: ActionHandler
    command: str

    def __call__(self, action: ActionInvocation) -> str | None:
        incident = self.store.find_by_channel(action.channel_id) if action.channel_id else None
        if incident is not None and not incident.is_open:
            return (
                f"This incident is {incident.status.value}, so this button no longer does "
                f"anything. To pick it up again: `{self.command} reopen {incident.id}`."
            )
        return self.handle(action)


def guard_resolved(
    routes: Sequence[ActionRoute], store: Incidents, command: str
) -> tuple[ActionRoute, ...]:
    return tuple(
        ActionRoute(r.action_id, _ResolvedGuard(store, r.handle, command))
        if r.action_id.value in _GUARDED
        else r
        for r in routes
    )
