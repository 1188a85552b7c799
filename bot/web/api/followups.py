"""GET /api/v1/followups: follow-ups as `marshal followups list` selects them (open, overdue
or all; by service), paged; and the `followups` section of an incident's detail."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.domain.models import Incident, utcnow
from bot.ports.followups import FollowUpStore
from bot.services.followups.listing import FollowUpScope, select
from bot.services.operator.incident_queue import DEFAULT_LIMIT, MAX_LIMIT
from bot.web.api.operations import Call, Operation, QueryParam, Reply

SCOPES = (FollowUpScope.OPEN, FollowUpScope.OVERDUE, FollowUpScope.ALL)


def _offset(cursor: str | None) -> int:
    """Where the last page stopped; 0 (the first page) for a cursor that cannot be read."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return 0
    return int(text) if text.isdigit() else 0


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


class FollowUpOperations:
    def __init__(self, followups: FollowUpStore, clock: Callable[[], datetime] = utcnow) -> None:
        self._followups = followups
        self._clock = clock

    def operations(self) -> Sequence[Operation]:
        return (
            Operation(
                "GET",
                "/followups",
                "listFollowUps",
                "Follow-ups: open (default), overdue or all, soonest due first",
                self.list_followups,
                query=(
                    QueryParam(
                        "scope", "open | overdue | all", {"enum": [s.value for s in SCOPES]}
                    ),
                    QueryParam("service", "only follow-ups of this service"),
                    QueryParam("cursor", "next_cursor of the previous page; a bad one restarts"),
                    QueryParam(
                        "limit",
                        f"page size, 1-{MAX_LIMIT} (default {DEFAULT_LIMIT})",
                        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                    ),
                ),
            ),
        )

    def list_followups(self, call: Call) -> Reply:
        scope_text = call.query.get("scope", FollowUpScope.OPEN.value)
        if scope_text not in {s.value for s in SCOPES}:
            return Reply.error(400, "scope: must be one of open, overdue, all")
        raw = call.query.get("limit")
        if raw is not None and (not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT):
            return Reply.error(400, f"limit: must be a whole number from 1 to {MAX_LIMIT}")
        limit = int(raw) if raw else DEFAULT_LIMIT
        found = select(
            self._followups,
            FollowUpScope(scope_text),
            now=self._clock(),
            service=call.query.get("service"),
        )
        start = _offset(call.query.get("cursor"))
        start = start if start < len(found) else 0
        page = found[start : start + limit]
        more = start + limit < len(found)
        return Reply(
            200,
            {
                "items": [f.model_dump(mode="json") for f in page],
                "next_cursor": _cursor(start + limit) if more else None,
            },
        )


class FollowUpsSection:
    """The incident detail's `followups`: the incident's follow-ups, oldest first."""

    name = "followups"

    def __init__(self, followups: FollowUpStore) -> None:
        self._followups = followups

    def read(self, incident: Incident) -> Any:
        return [f.model_dump(mode="json") for f in self._followups.for_incident(incident.id)]
