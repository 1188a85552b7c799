"""DraftStore port: status-page drafts, written only through conditional updates.

The approval gate's exactly-once publish rests on two promises every adapter keeps:
`get` is a strongly consistent read, and `update` writes only when the stored draft still
has the expected version AND status, so of many concurrent callers exactly one wins.
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.models import DraftStatus, StatusPageDraft


class DraftStore(Protocol):
    def add(self, draft: StatusPageDraft) -> StatusPageDraft:
        """Save a new draft as given. Raises ConcurrentUpdate (carrying the stored draft)
        when a draft with that id already exists."""

    def get(self, draft_id: str) -> StatusPageDraft | None:
        """The stored draft, read strongly consistent; None when unknown."""

    def update(
        self,
        draft: StatusPageDraft,
        *,
        expected_version: int,
        expected_status: DraftStatus,
    ) -> StatusPageDraft:
        """Write `draft` if the stored one still has `expected_version` and `expected_status`;
        returns it with version = expected_version + 1. Raises ConcurrentUpdate carrying
        the stored draft when either differs, NotFound when there is no such draft."""

    def list_for_incident(self, incident_id: str) -> list[StatusPageDraft]:
        """The incident's drafts, oldest first. May lag a moment behind writes on
        DynamoDB (a secondary index); decisions that must not lag use `get`."""

    def latest_pending(self, incident_id: str) -> StatusPageDraft | None:
        """The newest draft of the incident still waiting for review, if any."""
