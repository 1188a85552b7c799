"""IssueTracker port: where follow-ups become issues (Jira Cloud, Linear, or
markdown files), and which of them were
closed there. Adapters raise TrackerError (bot/ports/tracker.py) when the tracker fails."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel

from bot.domain.followups import FollowUp


class TrackedIssue(BaseModel):
    key: str  # the tracker's own key, e.g. OPS-12
    url: str  # a link for people


class IssueTracker(Protocol):
    @property
    def name(self) -> str: ...

    def find(self, followup: FollowUp) -> TrackedIssue | None:
        """The issue made for `followup` earlier (by its marshal label), if any: a create
        that reached the tracker but was never recorded here is adopted, not repeated."""

    def create(self, followup: FollowUp, *, incident_url: str | None = None) -> TrackedIssue:
        """A new issue for `followup`, labelled with its id and linking back."""

    def closed(self, keys: Iterable[str]) -> set[str]:
        """Which of `keys` are done in the tracker."""
