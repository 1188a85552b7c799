"""Retiring a resolved incident's buttons: the message keeps what it says, loses the buttons
that no longer apply (nudges, checklist ticks, status-draft reviews, the resolve prompt) and
gains a one-line note. Works on the blocks as Slack returns them, so any of marshal's
messages, however it was rendered, can be retired."""

from __future__ import annotations

from typing import Any

from bot.slack.vocabulary import ActionId

# What a resolve retires; the rating buttons (posted after the resolve) and the card's Join
# stay, and the resolve flow's own resolution draft is posted after this runs.
RETIRED_ON_RESOLVE = frozenset(
    {
        ActionId.TICK_CHECKLIST_ITEM.value,
        ActionId.UNTICK_CHECKLIST_ITEM.value,
        ActionId.NUDGE_POST_UPDATE.value,
        ActionId.NUDGE_SILENCE.value,
        ActionId.APPROVE_STATUS_DRAFT.value,
        ActionId.EDIT_STATUS_DRAFT.value,
        ActionId.REJECT_STATUS_DRAFT.value,
        ActionId.RESOLVE_INCIDENT.value,
        ActionId.ACKNOWLEDGE.value,
    }
)


def _retired(element: Any) -> bool:
    return isinstance(element, dict) and element.get("action_id") in RETIRED_ON_RESOLVE


def retire_buttons(blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]] | None:
    """The blocks without the retired buttons, with `note` (mrkdwn) at the end; None when
    the message had none of them (nothing to change)."""
    kept: list[dict[str, Any]] = []
    changed = False
    for block in blocks:
        if block.get("type") == "actions":
            elements = [e for e in block.get("elements", []) if not _retired(e)]
            changed |= len(elements) != len(block.get("elements", []))
            if elements:
                kept.append({**block, "elements": elements})
            continue
        if _retired(block.get("accessory")):
            changed = True
            kept.append({k: v for k, v in block.items() if k != "accessory"})
        else:
            kept.append(block)
    if not changed:
        return None
    kept.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return kept
