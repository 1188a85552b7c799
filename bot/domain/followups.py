"""Follow-ups: the action items an incident leaves behind, their states and their due dates.

A follow-up has an owner, a due date, a priority (P1..P3), a kind (detective / preventative /
corrective) and a status (open / done / not doing, with who closed it and why). It records
the incident it came from, with that incident's service and severity at the time, so lists
and the release gate can be answered from the follow-ups' own indexes. Knows nothing of
Slack, AWS or HTTP.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from bot.domain.durations import DAY, DurationError, parse_duration
from bot.domain.ids import new_id
from bot.domain.models import utcnow

MAX_FOLLOWUP_CHARS = 500
MAX_DUE_DAYS = 365
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    NOT_DOING = "not_doing"


class FollowUpKind(StrEnum):
    DETECTIVE = "detective"
    PREVENTATIVE = "preventative"
    CORRECTIVE = "corrective"


class FollowUpPriority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"


# Without `due`, a follow-up is due this long after it is added: the urgent ones sooner.
DEFAULT_DUE_DAYS = {FollowUpPriority.P1: 7, FollowUpPriority.P2: 14, FollowUpPriority.P3: 30}


class FollowUp(BaseModel):
    id: str = Field(default_factory=lambda: new_id("fu"))
    version: int = 0
    incident_id: str
    text: str
    owner: str | None = None  # a Slack user id
    due_at: datetime
    priority: FollowUpPriority = FollowUpPriority.P3
    kind: FollowUpKind = FollowUpKind.CORRECTIVE
    status: FollowUpStatus = FollowUpStatus.OPEN
    # copied from the incident when the follow-up is made, for the indexed lists and the gate
    service: str | None = None
    incident_severity: str
    incident_title: str = ""
    drill: bool = False
    created_by: str
    created_at: datetime = Field(default_factory=utcnow)
    closed_by: str | None = None
    closed_at: datetime | None = None
    closed_reason: str | None = None
    tracker_key: str | None = None  # the tracker's issue key, e.g. OPS-12
    tracker_url: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status is FollowUpStatus.OPEN

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.due_at < now

    def closed(
        self, status: FollowUpStatus, *, by: str, at: datetime, reason: str | None = None
    ) -> FollowUp:
        """This follow-up done or not being done; raises FollowUpError unless it is open."""
        if status is FollowUpStatus.OPEN:
            raise FollowUpError("a follow-up is closed as done or not doing")
        if not self.is_open:
            raise FollowUpError(f"follow-up {self.id} is already {self.status.value}")
        return self.model_copy(
            update={"status": status, "closed_by": by, "closed_at": at, "closed_reason": reason}
        )


class FollowUpError(ValueError):
    """A follow-up request that cannot be carried out; the message says why."""


def parse_due(text: str, *, now: datetime) -> datetime:
    """`7d` (a duration from now, s/m/h/d) or an ISO date `2026-12-01` (end of that day UTC).

    Raises DurationError with what to write instead."""
    text = text.strip()
    if _ISO_DATE.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise DurationError(f"{text!r} is not a date like 2026-12-01") from exc
        due = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
        if due < now:
            raise DurationError(f"{text} is in the past")
        if due - now > timedelta(days=MAX_DUE_DAYS):
            raise DurationError(f"{text} is more than {MAX_DUE_DAYS} days away")
        return due
    seconds = parse_duration(text, maximum=MAX_DUE_DAYS * DAY, bare_unit="d")
    return now + timedelta(seconds=seconds)


def default_due(priority: FollowUpPriority, now: datetime) -> datetime:
    return now + timedelta(days=DEFAULT_DUE_DAYS[priority])
