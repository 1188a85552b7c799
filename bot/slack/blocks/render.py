"""The one way from a view to what Slack's Web API takes: one renderer per view kind."""

from __future__ import annotations

from typing import Any, assert_never

from bot.ports.slack_views import (
    BulkPreview,
    ChecklistView,
    CommandHelp,
    ContextSnapshotView,
    DigestView,
    FollowUpListView,
    FollowUpProposals,
    FollowUpReasonModal,
    IncidentCardView,
    IncidentContextView,
    IncidentSummary,
    MessageView,
    ModalView,
    NudgeView,
    PageNotice,
    RatingPrompt,
    ReminderView,
    ResolvePrompt,
    RunbookOutcomeView,
    RunbookPreviewView,
    SimilarIncidentsView,
    StatusDraftClosed,
    StatusDraftEditModal,
    StatusDraftReview,
    StatusUpdateModal,
)
from bot.slack.blocks.checklist import render_checklist
from bot.slack.blocks.command_replies import render_command_help, render_incident_summary
from bot.slack.blocks.context_snapshot import render_context_snapshot
from bot.slack.blocks.followups import (
    render_digest,
    render_followup_list,
    render_proposals,
    render_reason_modal,
    render_similar,
)
from bot.slack.blocks.incident_card import render_incident_card
from bot.slack.blocks.incident_context import render_incident_context
from bot.slack.blocks.nudge import render_nudge, render_reminder, render_status_update_modal
from bot.slack.blocks.page import render_bulk_preview, render_page_notice
from bot.slack.blocks.rendered import RenderedMessage
from bot.slack.blocks.resolution import render_rating_prompt, render_resolve_prompt
from bot.slack.blocks.runbook import render_runbook
from bot.slack.blocks.status_draft import render_closed, render_edit_modal, render_review


def render_message(view: MessageView) -> RenderedMessage:  # noqa: PLR0912 - a case per view kind
    """The message's fallback text and blocks, every piece of outside text escaped."""
    # a match over the closed union: mypy fails here when a view kind has no renderer
    match view:
        case ChecklistView():
            rendered = render_checklist(view)
        case IncidentCardView():
            rendered = render_incident_card(view)
        case IncidentContextView():
            rendered = render_incident_context(view)
        case ContextSnapshotView():
            rendered = render_context_snapshot(view)
        case NudgeView():
            rendered = render_nudge(view)
        case ReminderView():
            rendered = render_reminder(view)
        case ResolvePrompt():
            rendered = render_resolve_prompt(view)
        case RatingPrompt():
            rendered = render_rating_prompt(view)
        case StatusDraftReview():
            rendered = render_review(view)
        case StatusDraftClosed():
            rendered = render_closed(view)
        case CommandHelp() | IncidentSummary():
            rendered = _render_reply(view)
        case FollowUpListView() | FollowUpProposals() | DigestView() | SimilarIncidentsView():
            rendered = _render_followups(view)
        case RunbookPreviewView() | RunbookOutcomeView():
            rendered = render_runbook(view)
        case PageNotice() | BulkPreview():
            rendered = _render_paging(view)
        case _:
            assert_never(view)
    return rendered


def _render_reply(view: CommandHelp | IncidentSummary) -> RenderedMessage:
    """Replies to commands (apart, so each match stays under the branch limit)."""
    match view:
        case CommandHelp():
            return render_command_help(view)
        case IncidentSummary():
            return render_incident_summary(view)
        case _:
            assert_never(view)


def _render_paging(view: PageNotice | BulkPreview) -> RenderedMessage:
    """Paging's page DM and bulk preview (bot/slack/blocks/page.py)."""
    match view:
        case PageNotice():
            return render_page_notice(view)
        case BulkPreview():
            return render_bulk_preview(view)
        case _:
            assert_never(view)


def _render_followups(
    view: FollowUpListView | FollowUpProposals | DigestView | SimilarIncidentsView,
) -> RenderedMessage:
    """Follow-ups, the digest and similar incidents (bot/slack/blocks/followups.py)."""
    match view:
        case FollowUpListView():
            return render_followup_list(view)
        case FollowUpProposals():
            return render_proposals(view)
        case DigestView():
            return render_digest(view)
        case SimilarIncidentsView():
            return render_similar(view)
        case _:
            assert_never(view)


def render_modal(view: ModalView) -> dict[str, Any]:
    """The modal as views.open takes it."""
    match view:
        case StatusUpdateModal():
            return render_status_update_modal(view)
        case StatusDraftEditModal():
            return render_edit_modal(view)
        case FollowUpReasonModal():
            return render_reason_modal(view)
        case _:
            assert_never(view)
