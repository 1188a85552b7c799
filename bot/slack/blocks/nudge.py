"""Nudges, reminders and the nudge's "Post update" modal (and reading that modal back).

Button values and the modal's private_metadata carry only the incident id, so a button
pressed after a restart still works.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.ports.slack_views import NudgeView, ReminderView, StatusUpdateModal, StatusUpdateSubmission
from bot.services.slack_text import escape
from bot.slack.blocks.rendered import RenderedMessage
from bot.slack.vocabulary import START_DRAFT_OPTION, ActionId, InputId, ViewId


def render_nudge(view: NudgeView) -> RenderedMessage:
    text = f"Status update due for {view.incident_id} ({view.severity}) — {view.who}"
    command = view.command
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f":alarm_clock: *Status update due* for *{escape(view.title)}* "
                f"({view.severity}, every {view.every}).\n*Who:* {view.who}"
            )
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Post update",
                    action_id=ActionId.NUDGE_POST_UPDATE.value,
                    value=view.incident_id,
                    style="primary",
                ),
                ButtonElement(
                    text="Silence 30 min",
                    action_id=ActionId.NUDGE_SILENCE.value,
                    value=view.incident_id,
                ),
            ]
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Pause with `{command} silence 30m|2h|until-resolved`, "
                    f"resume with `{command} unsilence`."
                )
            ]
        ),
    ]
    return RenderedMessage.of(text, blocks)


def render_reminder(view: ReminderView) -> RenderedMessage:
    return RenderedMessage.of(
        view.text, [SectionBlock(text=MarkdownTextObject(text=f":bell: {view.text}"))]
    )


def render_status_update_modal(modal: StatusUpdateModal) -> dict[str, Any]:
    """The "Post update" modal; `private_metadata` carries the incident id."""
    text_id = InputId.STATUS_UPDATE_TEXT.value
    blocks: list[Block] = [
        InputBlock(
            block_id=text_id,
            label="What changed?",
            element=PlainTextInputElement(
                action_id=text_id,
                multiline=True,
                max_length=3000,
                placeholder="Impact, what we know, what we are doing, next update at …",
            ),
        )
    ]
    if modal.can_draft:
        draft_id = InputId.STATUS_UPDATE_DRAFT.value
        blocks.append(
            InputBlock(
                block_id=draft_id,
                label="Status page",
                optional=True,
                element=CheckboxesElement(
                    action_id=draft_id,
                    options=[
                        Option(
                            value=START_DRAFT_OPTION,
                            text="Start a status-page draft from this (needs approval)",
                        )
                    ],
                ),
            )
        )
    view = View(
        type="modal",
        callback_id=ViewId.NUDGE_STATUS_UPDATE.value,
        title=f"Update {modal.severity}"[:24],
        submit="Post update",
        close="Cancel",
        private_metadata=modal.incident_id,
        blocks=blocks,
    )
    return view.to_dict()


def read_status_update(
    private_metadata: str, values: dict[str, dict[str, dict[str, Any]]]
) -> StatusUpdateSubmission:
    """The submitted "Post update" modal: its metadata and `view.state.values`."""
    text_id, draft_id = InputId.STATUS_UPDATE_TEXT.value, InputId.STATUS_UPDATE_DRAFT.value
    text_field = values.get(text_id, {}).get(text_id, {})
    draft_field = values.get(draft_id, {}).get(draft_id, {})
    chosen = {o.get("value") for o in draft_field.get("selected_options") or []}
    return StatusUpdateSubmission(
        incident_id=private_metadata,
        text=str(text_field.get("value") or "").strip(),
        start_draft=START_DRAFT_OPTION in chosen,
    )
