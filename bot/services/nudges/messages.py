"""Block Kit for nudges, reminders and the "Post update" modal, plus their stable ids.

Button values carry only the incident id, so a button pressed after a restart still works.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
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

from bot.domain.models import Incident
from bot.services import slack_text

SILENCE_BUTTON_SECONDS = 30 * 60


class NudgeActionId(StrEnum):
    POST_UPDATE = "marshal.nudge.post_update"
    SILENCE = "marshal.nudge.silence"


class NudgeViewId(StrEnum):
    STATUS_UPDATE = "marshal.nudge.status_update"


class StatusUpdateField(StrEnum):
    """block_id == action_id of the modal's inputs, read back from view.state.values."""

    TEXT = "status_update_text"
    DRAFT = "status_update_draft"


DRAFT_OPTION = "start_status_page_draft"


@dataclass(frozen=True)
class SlackMessage:
    text: str  # the notification / fallback text
    blocks: list[dict[str, Any]]


def mention(user: str) -> str:
    """A Slack mention for a user id; anything else (an email of an unresolved responder,
    from the alert) is shown as escaped text, never as markup."""
    return slack_text.user(user)


def commander_or_hint(incident: Incident, command: str) -> str:
    if incident.commander:
        return mention(incident.commander)
    return f"no IC yet — claim it with `{command} role ic`"


def responders(incident: Incident) -> str:
    people = [mention(p) for p in incident.oncall]
    return ", ".join(people) if people else "everyone in this channel"


def nudge_message(incident: Incident, *, every: str, command: str) -> SlackMessage:
    who = commander_or_hint(incident, command)
    text = f"Status update due for {incident.id} ({incident.severity.value}) — {who}"
    title = slack_text.escape(incident.title)
    blocks = [
        SectionBlock(
            text=MarkdownTextObject(
                text=f":alarm_clock: *Status update due* for *{title}* "
                f"({incident.severity.value}, every {every}).\n*Who:* {who}"
            )
        ),
        ActionsBlock(
            elements=[
                ButtonElement(
                    text="Post update",
                    action_id=NudgeActionId.POST_UPDATE.value,
                    value=incident.id,
                    style="primary",
                ),
                ButtonElement(
                    text="Silence 30 min",
                    action_id=NudgeActionId.SILENCE.value,
                    value=incident.id,
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
    return SlackMessage(text, [b.to_dict() for b in blocks])


def reminder_message(text: str) -> SlackMessage:
    block = SectionBlock(text=MarkdownTextObject(text=f":bell: {text}"))
    return SlackMessage(text, [block.to_dict()])


def status_update_modal(incident: Incident, *, can_draft: bool) -> dict[str, Any]:
    """The "Post update" modal; `private_metadata` carries the incident id."""
    blocks: list[Any] = [
        InputBlock(
            block_id=StatusUpdateField.TEXT.value,
            label="What changed?",
            element=PlainTextInputElement(
                action_id=StatusUpdateField.TEXT.value,
                multiline=True,
                max_length=3000,
                placeholder="Impact, what we know, what we are doing, next update at …",
            ),
        )
    ]
    if can_draft:
        blocks.append(
            InputBlock(
                block_id=StatusUpdateField.DRAFT.value,
                label="Status page",
                optional=True,
                element=CheckboxesElement(
                    action_id=StatusUpdateField.DRAFT.value,
                    options=[
                        Option(
                            value=DRAFT_OPTION,
                            text="Start a status-page draft from this (needs approval)",
                        )
                    ],
                ),
            )
        )
    view = View(
        type="modal",
        callback_id=NudgeViewId.STATUS_UPDATE.value,
        title=f"Update {incident.severity.value}"[:24],
        submit="Post update",
        close="Cancel",
        private_metadata=incident.id,
        blocks=blocks,
    )
    return view.to_dict()


@dataclass(frozen=True)
class StatusUpdateSubmission:
    incident_id: str
    text: str
    start_draft: bool


def read_status_update(
    private_metadata: str, values: dict[str, dict[str, dict[str, Any]]]
) -> StatusUpdateSubmission:
    """Parse the submitted modal above: its metadata and `view.state.values`."""
    text_field = values.get(StatusUpdateField.TEXT.value, {}).get(StatusUpdateField.TEXT.value, {})
    draft_field = values.get(StatusUpdateField.DRAFT.value, {}).get(
        StatusUpdateField.DRAFT.value, {}
    )
    chosen = {o.get("value") for o in draft_field.get("selected_options") or []}
    return StatusUpdateSubmission(
        incident_id=private_metadata,
        text=str(text_field.get("value") or "").strip(),
        start_draft=DRAFT_OPTION in chosen,
    )
