"""Follow-up lists with Done / Not doing buttons, and the "Not doing" modal asking why.

Each button carries only the follow-up's id; the listener re-reads it from the store, so a
press after a restart works the same.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.ports.slack_views import (
    DigestView,
    FollowUpListView,
    FollowUpProposals,
    FollowUpReasonModal,
    FollowUpRow,
    SimilarIncidentsView,
)
from bot.services.slack_text import escape_clipped, user
from bot.slack.blocks.rendered import RenderedMessage
from bot.slack.vocabulary import ActionId, InputId, ViewId

_ROW_TEXT = 400


def _row_text(row: FollowUpRow) -> str:
    due = f"due {row.due_at:%Y-%m-%d}" + (" *overdue*" if row.overdue else "")
    state = "" if row.is_open else f" · _{row.status.replace('_', ' ')}_"
    return (
        f"`{row.id}` {escape_clipped(row.text, _ROW_TEXT)}\n"
        f"{row.priority} · {row.kind} · {user(row.owner)} · {due} · "
        f"incident `{row.incident_id}`{state}"
    )


def _buttons(row: FollowUpRow) -> ActionsBlock:
    return ActionsBlock(
        block_id=f"marshal.followup.{row.id}",
        elements=[
            ButtonElement(
                text=PlainTextObject(text="Done"),
                action_id=ActionId.FOLLOWUP_DONE.value,
                value=row.id,
                style="primary",
            ),
            ButtonElement(
                text=PlainTextObject(text="Not doing"),
                action_id=ActionId.FOLLOWUP_NOT_DOING.value,
                value=row.id,
            ),
        ],
    )


def render_followup_list(view: FollowUpListView) -> RenderedMessage:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=view.heading))]
    for row in view.rows:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_row_text(row))))
        if row.is_open:
            blocks.append(_buttons(row))
    if view.more:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"…and {view.more} more.")]))
    return RenderedMessage.of(view.heading, blocks)


def proposal_value(incident_id: str, resolution_id: str, index: int) -> str:
    return f"{incident_id}:{resolution_id}:{index}"


def parse_proposal(value: str) -> tuple[str, str, int] | None:
    parts = value.split(":")
    if len(parts) != 3 or not all(parts) or not parts[2].isdigit():
        return None
    return parts[0], parts[1], int(parts[2])


def render_proposals(view: FollowUpProposals) -> RenderedMessage:
    heading = "*Proposed follow-ups* from the postmortem: accept the ones the team will do."
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=heading))]
    for index, item in enumerate(view.items):
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(text=f"• {escape_clipped(item, _ROW_TEXT)}"),
                accessory=ButtonElement(
                    text=PlainTextObject(text="Accept"),
                    action_id=ActionId.FOLLOWUP_ACCEPT.value,
                    value=proposal_value(view.incident_id, view.resolution_id, index),
                ),
            )
        )
    return RenderedMessage.of("Proposed follow-ups from the postmortem", blocks)


def render_digest(view: DigestView) -> RenderedMessage:
    block = SectionBlock(text=MarkdownTextObject(text=view.text[:3000]))
    return RenderedMessage.of(f"Incident digest {view.week}", [block])


def render_similar(view: SimilarIncidentsView) -> RenderedMessage:
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text="*Earlier incidents like this one*"))
    ]
    for row in view.rows:
        if row.postmortem_url:
            done = "done" if row.postmortem_done else "filed"
            postmortem = f"postmortem {done}: {escape_clipped(row.postmortem_url, 300)}"
        else:
            postmortem = "no postmortem yet"
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"`{row.id}` {row.severity} {escape_clipped(row.title, 200)} "
                    f"({row.status}, {row.triggered_at:%Y-%m-%d})\n"
                    f"{', '.join(row.reasons)} · score {row.score:g} · {postmortem} · "
                    f"follow-ups {row.followups_open} open of {row.followups_total}"
                )
            )
        )
    return RenderedMessage.of("Earlier incidents like this one", blocks)


def render_reason_modal(modal: FollowUpReasonModal) -> dict[str, Any]:
    """Not doing: `private_metadata` carries the follow-up id; the reason is required."""
    reason_id = InputId.FOLLOWUP_REASON.value
    view = View(
        type="modal",
        callback_id=ViewId.FOLLOWUP_NOT_DOING.value,
        title="Not doing",
        submit="Close it",
        close="Cancel",
        private_metadata=modal.followup_id,
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=escape_clipped(modal.text, _ROW_TEXT))),
            InputBlock(
                block_id=reason_id,
                label="Why is this not being done?",
                element=PlainTextInputElement(action_id=reason_id, multiline=True, max_length=500),
            ),
        ],
    )
    return view.to_dict()
