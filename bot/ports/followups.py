"""FollowUpStore port: follow-ups and the indexed queries their lists, reminders and the
release gate ask (by status, owner, service, incident, due date, created and closed time).

Every query is answered from an index on both backends (SQLite indexes; DynamoDB index
items under the follow-up's own key prefixes), never a scan, so the lists stay fast with
thousands of incidents. Both adapters pass tests/contract/test_followups_contract.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.followups import FollowUp, FollowUpStatus


class FollowUpStore(Protocol):
    def add(self, followup: FollowUp) -> FollowUp:
        """Store a new follow-up; raises ConcurrentUpdate when its id exists already."""

    def get(self, followup_id: str) -> FollowUp | None:
        """Strongly consistent."""

    def update(self, followup: FollowUp, *, expected_version: int) -> FollowUp:
        """Write `followup` if the stored version is still `expected_version`; returns it
        with version+1. Raises ConcurrentUpdate (carrying the stored one) or NotFound."""

    def for_incident(self, incident_id: str) -> list[FollowUp]:
        """The incident's follow-ups, oldest first."""

    def with_status(self, status: FollowUpStatus, *, limit: int = 1000) -> list[FollowUp]:
        """Soonest due first."""

    def open_due_before(self, moment: datetime, *, limit: int = 1000) -> list[FollowUp]:
        """Open follow-ups due before `moment` (the overdue ones), soonest due first."""

    def for_owner(self, owner: str, status: FollowUpStatus, *, limit: int = 1000) -> list[FollowUp]:
        """Soonest due first."""

    def for_service(
        self, service: str, status: FollowUpStatus, *, limit: int = 1000
    ) -> list[FollowUp]:
        """Soonest due first."""

    def created_between(self, start: datetime, end: datetime) -> list[FollowUp]:
        """Made in [start, end), oldest first."""

    def closed_between(self, start: datetime, end: datetime) -> list[FollowUp]:
        """Closed (done or not doing) in [start, end), oldest first."""
