"""Recurrence: services and alert groups that had more than one real incident in a window
(`marshal recurrence`, the weekly digest). Deterministic: counts, then the newest first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from bot.domain.models import Incident
from bot.ports.store import Incidents

_PAGE = 100
MAX_INCIDENTS = 20_000  # a bound on the newest-first walk; past it the answer says so


class RecurrenceKind(StrEnum):
    SERVICE = "service"
    ALERT_GROUP = "alert_group"


class Recurrence(BaseModel):
    kind: RecurrenceKind
    key: str
    count: int
    incident_ids: list[str]  # newest first
    last_at: datetime


def incidents_since(store: Incidents, since: datetime) -> tuple[list[Incident], bool]:
    """Every incident triggered at or after `since`, newest first, read from the store's
    newest-first index (stops at the first older one); True when MAX_INCIDENTS cut it."""
    found: list[Incident] = []
    cursor: str | None = None
    while len(found) < MAX_INCIDENTS:
        page = store.list_incidents(open_only=False, limit=_PAGE, cursor=cursor)
        for incident in page.items:
            if incident.triggered_at < since:
                return found, False
            found.append(incident)
        if page.next_cursor is None:
            return found, False
        cursor = page.next_cursor
    return found, True


def recurrences(incidents: Iterable[Incident]) -> list[Recurrence]:
    """Services and alert groups with two or more real incidents (drills left out), most
    incidents first, then the most recent."""
    groups: dict[tuple[RecurrenceKind, str], list[Incident]] = defaultdict(list)
    for incident in incidents:
        if incident.drill:
            continue
        if incident.service:
            groups[(RecurrenceKind.SERVICE, incident.service)].append(incident)
        groups[(RecurrenceKind.ALERT_GROUP, incident.group_key)].append(incident)
    found = []
    for (kind, key), members in groups.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (i.triggered_at, i.id), reverse=True)
        found.append(
            Recurrence(
                kind=kind,
                key=key,
                count=len(members),
                incident_ids=[i.id for i in members],
                last_at=members[0].triggered_at,
            )
        )
    found.sort(key=lambda r: (-r.count, -r.last_at.timestamp(), r.kind.value, r.key))
    return found
