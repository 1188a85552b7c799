"""Which follow-ups a list shows: `followups open|mine|overdue|all` in Slack, `marshal
followups list` and the release gate (`marshal followups gate`), each one indexed query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum

from bot.domain.followups import FollowUp, FollowUpStatus
from bot.domain.models import Incident
from bot.ports.followups import FollowUpStore

LIST_LIMIT = 1000
GATE_LIMIT = 100_000  # the gate must see every overdue follow-up, not a page of them


class FollowUpScope(StrEnum):
    OPEN = "open"
    MINE = "mine"
    OVERDUE = "overdue"
    ALL = "all"


def select(
    followups: FollowUpStore,
    scope: FollowUpScope,
    *,
    now: datetime,
    user: str | None = None,
    service: str | None = None,
    limit: int = LIST_LIMIT,
) -> list[FollowUp]:
    """The follow-ups `scope` names (open and overdue ones soonest due first; `all` adds the
    closed ones after them), narrowed to `service` when given."""
    if scope is FollowUpScope.OVERDUE:
        found = followups.open_due_before(now, limit=limit)
        return [f for f in found if service is None or f.service == service]
    if scope is FollowUpScope.MINE:
        if user is None:
            return []
        found = followups.for_owner(user, FollowUpStatus.OPEN, limit=limit)
        return [f for f in found if service is None or f.service == service]
    statuses = (
        [FollowUpStatus.OPEN]
        if scope is FollowUpScope.OPEN
        else [FollowUpStatus.OPEN, FollowUpStatus.DONE, FollowUpStatus.NOT_DOING]
    )
    selected: list[FollowUp] = []
    for status in statuses:
        if service is not None:
            selected.extend(followups.for_service(service, status, limit=limit))
        else:
            selected.extend(followups.with_status(status, limit=limit))
    return selected[:limit]


def release_blockers(
    followups: FollowUpStore,
    *,
    now: datetime,
    severities: Iterable[str],
    incident_of: Callable[[str], Incident | None],
    service: str | None = None,
) -> list[FollowUp]:
    """The overdue open follow-ups of incidents at one of `severities` (their severity now,
    read from the store; the one recorded with the follow-up if the incident is gone),
    drills left out: what `marshal followups gate` blocks a deploy on."""
    wanted = {s.upper() for s in severities}
    blockers: list[FollowUp] = []
    severity_of: dict[str, str] = {}
    overdue = select(followups, FollowUpScope.OVERDUE, now=now, service=service, limit=GATE_LIMIT)
    for followup in overdue:
        if followup.drill:
            continue
        if followup.incident_id not in severity_of:
            incident = incident_of(followup.incident_id)
            severity_of[followup.incident_id] = (
                incident.severity.value if incident else followup.incident_severity
            )
        if severity_of[followup.incident_id] in wanted:
            blockers.append(followup)
    return blockers
