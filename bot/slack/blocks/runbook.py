"""Runbook previews (Confirm / Cancel) and what replaces them once acted on.

Both buttons carry only the preview's token: the listener re-reads the preview from the
store, so a press after a restart works the same. Every target, warning and reason text
came from outside (the target service, a person) and is escaped here.
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.ports.slack_views import RunbookOutcomeView, RunbookPreviewView
from bot.services.slack_text import escape, escape_clipped, user
from bot.slack.blocks.rendered import RenderedMessage
from bot.slack.vocabulary import ActionId

SAMPLE = 10


def _params(view: RunbookPreviewView) -> str:
    params = view.preview.params
    if not params:
        return "none"
    return ", ".join(f"`{escape(k)}={escape_clipped(v, 80)}`" for k, v in params.items())


def _body(view: RunbookPreviewView) -> str:
    p = view.preview
    sample = ", ".join(f"`{escape_clipped(t, 80)}`" for t in p.targets[:SAMPLE]) or "none listed"
    more = f" and {len(p.targets) - SAMPLE} more" if len(p.targets) > SAMPLE else ""
    lines = [
        f"*Runbook preview: {escape(view.title)}* (`{escape(p.runbook)}`)",
        f"*Affected:* {p.count} of {p.total} · *scope:* `{escape(p.scope)}`",
        f"*Parameters:* {_params(view)}",
        f"*Targets:* {sample}{more}",
    ]
    if p.warnings:
        lines.append("*Warnings:* " + "; ".join(escape_clipped(w, 200) for w in p.warnings[:5]))
    if p.reason is not None:
        lines.append(f"*Reason:* {p.reason.code.value} {escape_clipped(p.reason.text, 300)}")
    if p.break_glass:
        lines.append(":rotating_light: *Break-glass*: policy holds are overridden")
    lines.append(f"Requested by {user(p.requested_by)}; nothing has changed yet.")
    return "\n".join(lines)


def render_runbook_preview(view: RunbookPreviewView) -> RenderedMessage:
    token = view.preview.token
    confirm = ButtonElement(
        text=PlainTextObject(text="Confirm"),
        action_id=ActionId.RUNBOOK_CONFIRM.value,
        value=token,
        style="primary",
        confirm=ConfirmObject(
            title=PlainTextObject(text="Run this runbook?"),
            text=PlainTextObject(
                text=escape_clipped(
                    f"{view.preview.count} target(s) on {view.preview.scope} will be changed.", 300
                )
            ),
            confirm=PlainTextObject(text="Run it"),
            deny=PlainTextObject(text="Not yet"),
        ),
    )
    cancel = ButtonElement(
        text=PlainTextObject(text="Cancel"),
        action_id=ActionId.RUNBOOK_CANCEL.value,
        value=token,
    )
    expires = view.preview.expires_at.strftime("%H:%M:%S UTC")
    blocks: list[Block] = []
    if view.note:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=view.note)))
    blocks += [
        SectionBlock(text=MarkdownTextObject(text=_body(view))),
        ActionsBlock(block_id="marshal.runbook", elements=[confirm, cancel]),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=f"This preview can be confirmed once, until {expires}.")
            ]
        ),
    ]
    fallback = f"Runbook preview {escape(view.preview.runbook)}: {view.preview.count} affected"
    return RenderedMessage.of(fallback, blocks)


def render_runbook_outcome(view: RunbookOutcomeView) -> RenderedMessage:
    return RenderedMessage.of(view.text, [SectionBlock(text=MarkdownTextObject(text=view.text))])


def render_runbook(view: RunbookPreviewView | RunbookOutcomeView) -> RenderedMessage:
    if isinstance(view, RunbookPreviewView):
        return render_runbook_preview(view)
    return render_runbook_outcome(view)
