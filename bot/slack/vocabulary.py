"""marshal's Slack vocabulary: every action id, modal callback id and modal input id.

One module that the Block Kit renderers (bot/slack/blocks/) and the Bolt listeners both
import, so a button cannot carry an id nothing listens for. The string values are a
contract with messages already posted: a button pressed after a restart (or an upgrade)
still carries the old string, so a value here is never renamed, only added.
"""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    """Block Kit action ids of marshal's buttons."""

    ACKNOWLEDGE = "marshal.incident.acknowledge"
    APPROVE_STATUS_DRAFT = "marshal.status_draft.approve"
    EDIT_STATUS_DRAFT = "marshal.status_draft.edit"
    REJECT_STATUS_DRAFT = "marshal.status_draft.reject"
    TICK_CHECKLIST_ITEM = "marshal.checklist.tick"
    UNTICK_CHECKLIST_ITEM = "marshal.checklist.untick"
    NUDGE_POST_UPDATE = "marshal.nudge.post_update"
    NUDGE_SILENCE = "marshal.nudge.silence"
    RESOLVE_INCIDENT = "marshal.incident.resolve"
    # one id per score: Slack wants distinct action ids within one actions block
    RATE_1 = "marshal.incident.rate.1"
    RATE_2 = "marshal.incident.rate.2"
    RATE_3 = "marshal.incident.rate.3"
    RATE_4 = "marshal.incident.rate.4"
    RATE_5 = "marshal.incident.rate.5"
    FOLLOWUP_DONE = "marshal.followup.done"
    FOLLOWUP_NOT_DOING = "marshal.followup.not_doing"
    FOLLOWUP_ACCEPT = "marshal.followup.accept"
    RUNBOOK_CONFIRM = "marshal.runbook.confirm"
    RUNBOOK_CANCEL = "marshal.runbook.cancel"
    ACKNOWLEDGE_PAGE = "marshal.page.acknowledge"  # a page DM's button; value: the incident id
    CONFIRM_BULK = "marshal.bulk.confirm"  # `/marshal bulk` preview; value: action, token, ids
    CANCEL_BULK = "marshal.bulk.cancel"
    JOIN_INCIDENT = "marshal.incident.join"


# The pulse rating's buttons in score order: RATE_ACTIONS[n - 1] is the button for n.
RATE_ACTIONS = (
    ActionId.RATE_1,
    ActionId.RATE_2,
    ActionId.RATE_3,
    ActionId.RATE_4,
    ActionId.RATE_5,
)


class ViewId(StrEnum):
    """Modal callback ids; like action ids they outlive a restart."""

    EDIT_STATUS_DRAFT = "marshal.status_draft.edit_view"
    NUDGE_STATUS_UPDATE = "marshal.nudge.status_update"
    FOLLOWUP_NOT_DOING = "marshal.followup.not_doing_view"


class InputId(StrEnum):
    """Block and action ids of modal inputs, read back from `view.state.values`."""

    # the nudge's "Post update" modal: block_id == action_id
    STATUS_UPDATE_TEXT = "status_update_text"
    STATUS_UPDATE_DRAFT = "status_update_draft"
    # the status-page draft's edit modal: one input block and its element
    STATUS_DRAFT_TEXT = "status_draft_text"
    STATUS_DRAFT_TEXT_INPUT = "text"
    # the follow-up's "Not doing" modal: block_id == action_id
    FOLLOWUP_REASON = "followup_reason"


# The value of the "start a status-page draft" checkbox in the "Post update" modal.
START_DRAFT_OPTION = "start_status_page_draft"
