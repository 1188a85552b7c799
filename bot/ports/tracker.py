"""Tracker port: where a finished postmortem is filed (Linear, or a markdown file)."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from bot.domain.errors import MarshalError


class TrackerError(MarshalError):
    """The tracker did not take the postmortem; `retryable` when a later try may work."""

    def __init__(self, tracker: str, reason: str, *, retryable: bool = False) -> None:
        self.tracker = tracker
        self.reason = reason
        self.retryable = retryable
        super().__init__(f"{tracker}: {reason}")


class PostmortemFiling(BaseModel):
    """What to file: one incident's postmortem."""

    incident_id: str
    title: str
    markdown: str
    labels: list[str] = Field(default_factory=list)
    assignee_email: str | None = None  # the IC, when the tracker can map people by email


class FiledPostmortem(BaseModel):
    tracker: str  # "linear" | "markdown"
    url: str  # a link or a file path, for the room
    ref: str  # the tracker's own id (issue identifier, file name)
    note: str = ""  # e.g. why a fallback tracker was used


class Tracker(Protocol):
    @property
    def name(self) -> str: ...

    def file(self, filing: PostmortemFiling) -> FiledPostmortem:
        """Create the postmortem; raises TrackerError when it could not."""
