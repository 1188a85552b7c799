"""What marshal's Slack messages and modals say, as plain data: no Block Kit, no slack_sdk.

Services describe a message with one of these views and hand it to the SlackGateway
port; the Slack adapter renders it (bot/slack/blocks/), fallback text included, and
escapes it there. The contract for every text field:

- a plain `str` is text as it came from outside (an alert, a person, a source, the LLM)
  or from settings; the renderer escapes it wherever it reaches Slack;
- a `Mrkdwn` is text marshal composed itself, with every outside piece already escaped
  through bot/services/slack_text.py; the renderer shows it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NewType

from bot.domain.followups import FollowUp
from bot.domain.models import Link, StatusPageDraft
from bot.domain.operation_run import RunPreview
from bot.ports.context import ContextSection

# mrkdwn marshal composed, every outside piece escaped already (see the module docstring)
Mrkdwn = NewType("Mrkdwn", str)


@dataclass(frozen=True)
class ChecklistRow:
    key: str
    label: str  # from the checklist config, the operator's own words
    ticked_by: str | None = None  # a Slack user id, or "marshal"
    ticked_at: datetime | None = None


@dataclass(frozen=True)
class ChecklistView:
    """The pinned checklist: one row per item with a Done / Undo button."""

    incident_id: str
    title: str
    rows: tuple[ChecklistRow, ...]

    @property
    def done(self) -> int:
        return sum(1 for row in self.rows if row.ticked_by is not None)


@dataclass(frozen=True)
class IncidentContextView:
    """The war room's first message: the incident's facts, description and links."""

    incident_id: str
    title: str
    severity: str
    status: str
    source: str
    drill: bool
    service: str | None
    team: str | None
    alert_count: int
    commander: str | None
    triggered_at: datetime
    description: str
    links: tuple[Link, ...]
    declared_by: str | None = None  # only for incidents declared in Slack, by Slack's id


@dataclass(frozen=True)
class ContextSnapshotView:
    """Live figures about the incident's service, one section per source."""

    incident_title: str
    name: str  # the team or service the sources were configured under
    at: datetime
    sections: tuple[ContextSection, ...]


@dataclass(frozen=True)
class NudgeView:
    """ "Status update due", with Post update and Silence buttons."""

    incident_id: str
    title: str
    severity: str
    every: str  # the cadence, e.g. "15m"
    who: Mrkdwn  # the IC's mention, or the hint to claim the role
    command: str  # the root slash command, e.g. "/marshal"


@dataclass(frozen=True)
class ReminderView:
    """A reminder (IC unclaimed, inactive, postmortem due) in marshal's words."""

    text: Mrkdwn


@dataclass(frozen=True)
class ResolvePrompt:
    """The "Resolve incident" button offered when the alert clears, under `text`."""

    incident_id: str
    text: Mrkdwn


@dataclass(frozen=True)
class RatingPrompt:
    """The pulse rating: "How did this response go?" with one button per score."""

    incident_id: str


@dataclass(frozen=True)
class StatusDraftReview:
    """A status-page draft up for review: Approve & Publish, Edit, Reject."""

    draft: StatusPageDraft
    note: Mrkdwn | None = None  # e.g. why the last publish attempt failed


@dataclass(frozen=True)
class StatusDraftClosed:
    """A draft once no more review is possible (published, rejected, superseded)."""

    draft: StatusPageDraft
    outcome: Mrkdwn
    struck: bool = False  # an edit replaced this text: shown struck through, not overwritten


@dataclass(frozen=True)
class CommandHelp:
    """`help`: the subcommands, one line each (composed by marshal from its registry)."""

    text: Mrkdwn


@dataclass(frozen=True)
class IncidentSummary:
    """`status`: the incident's title as a header and its facts as fields."""

    title: str
    fields: tuple[Mrkdwn, ...]
    text: Mrkdwn  # the fallback, title and facts together


@dataclass(frozen=True)
class FollowUpRow:
    """One follow-up in a list; open ones get Done / Not doing buttons."""

    id: str
    text: str  # from a person or the postmortem: escaped by the renderer
    incident_id: str
    owner: str | None  # a Slack user id
    due_at: datetime
    priority: str
    kind: str
    status: str
    overdue: bool

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @classmethod
    def of(cls, followup: FollowUp, now: datetime) -> FollowUpRow:
        return cls(
            id=followup.id,
            text=followup.text,
            incident_id=followup.incident_id,
            owner=followup.owner,
            due_at=followup.due_at,
            priority=followup.priority.value,
            kind=followup.kind.value,
            status=followup.status.value,
            overdue=followup.is_overdue(now),
        )


@dataclass(frozen=True)
class FollowUpListView:
    """`followups`: a heading, the rows, and how many more did not fit."""

    heading: Mrkdwn
    rows: tuple[FollowUpRow, ...]
    more: int = 0


@dataclass(frozen=True)
class FollowUpProposals:
    """The postmortem's action items, each with an Accept button that makes it a follow-up.
    A button names the incident, the resolution and the item's place; the text is read back
    from the resolution's ledger, so a press after a restart works the same."""

    incident_id: str
    resolution_id: str
    items: tuple[str, ...]  # from the LLM or the IC's notes: escaped by the renderer


@dataclass(frozen=True)
class DigestView:
    """The weekly digest's summary, posted to MARSHAL_DIGEST_CHANNEL."""

    week: str
    text: Mrkdwn


@dataclass(frozen=True)
class SimilarIncidentRow:
    id: str
    title: str  # from an alert: escaped by the renderer
    severity: str
    status: str
    triggered_at: datetime
    score: float
    reasons: tuple[str, ...]  # marshal's words
    postmortem_url: str | None  # from the tracker: escaped by the renderer
    postmortem_done: bool
    followups_open: int
    followups_total: int


@dataclass(frozen=True)
class SimilarIncidentsView:
    """Earlier incidents like this one, posted in the room at assembly."""

    incident_id: str
    rows: tuple[SimilarIncidentRow, ...]


@dataclass(frozen=True)
class RunbookPreviewView:
    """A runbook preview waiting for Confirm / Cancel (both carry the preview's token)."""

    preview: RunPreview
    title: str  # the runbook's title, from the catalog
    note: Mrkdwn | None = None  # e.g. "the targets changed since the last preview"


@dataclass(frozen=True)
class RunbookOutcomeView:
    """A preview once acted on: confirmed (the run's outcome) or cancelled; no buttons."""

    text: Mrkdwn


@dataclass(frozen=True)
class PageNotice:
    """A page by Slack DM: what is wrong, where the room is, and an Acknowledge button."""

    incident_id: str
    title: str
    severity: str
    service: str | None
    level: int  # 1-based escalation level; 0 for a page by hand
    message: str | None = None
    room: str | None = None  # channel id of the war room
    drill: bool = False


@dataclass(frozen=True)
class BulkRow:
    incident_id: str
    severity: str
    title: str  # from the alert: escaped by the renderer
    status: str


@dataclass(frozen=True)
class BulkPreview:
    """`/marshal bulk ack|escalate`: the incidents it would touch, with Confirm / Cancel.
    `token` names this preview (its ids ride in the button's value, so it survives a restart)."""

    action: str  # "ack" | "escalate"
    rows: tuple[BulkRow, ...]
    token: str
    value: str  # the Confirm button's value: action, token and the incident ids


@dataclass(frozen=True)
class IncidentCardView:
    """The live incident card: in the announce channel (with Join) and pinned in the room.

    Re-rendered and replaced in place (chat.update) whenever what it shows changes."""

    incident_id: str
    title: str
    severity: str
    status: str
    drill: bool
    commander: str | None  # a Slack user id
    acknowledged_by: str | None  # a Slack user id
    room_id: str | None
    started_at: datetime
    duration: Mrkdwn | None  # time to resolve, once resolved ("1h 5m")
    joinable: bool  # offer the Join button (an open incident with a room)


MessageView = (
    ChecklistView
    | IncidentCardView
    | IncidentContextView
    | ContextSnapshotView
    | NudgeView
    | ReminderView
    | ResolvePrompt
    | RatingPrompt
    | StatusDraftReview
    | StatusDraftClosed
    | CommandHelp
    | IncidentSummary
    | FollowUpListView
    | FollowUpProposals
    | DigestView
    | SimilarIncidentsView
    | RunbookPreviewView
    | RunbookOutcomeView
    | PageNotice
    | BulkPreview
)


@dataclass(frozen=True)
class StatusUpdateModal:
    """The nudge's "Post update" form; submitted, it reads back as a StatusUpdateSubmission."""

    incident_id: str
    severity: str
    can_draft: bool  # offer "start a status-page draft from this"


@dataclass(frozen=True)
class StatusDraftEditModal:
    """The editor for a draft's public text, remembering the review message it came from."""

    draft: StatusPageDraft
    channel_id: str
    message_ts: str


@dataclass(frozen=True)
class FollowUpReasonModal:
    """Not doing: asks why, for the follow-up `followup_id`."""

    followup_id: str
    text: str  # the follow-up's description, shown above the question


ModalView = StatusUpdateModal | StatusDraftEditModal | FollowUpReasonModal


@dataclass(frozen=True)
class StatusUpdateSubmission:
    """What the "Post update" form said."""

    incident_id: str
    text: str
    start_draft: bool
