"""The incident queue the console shows: active incidents first, filtered, in cursor pages.

Read through the store's Incidents port. Filters (status, severity, service, age) arrive from
the query string and are checked here: a bad value is a clear message, never a 500. The
cursor is the sort key of the last row shown, so a page boundary stays put while new
incidents arrive (they sort before it).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.durations import DurationError, parse_duration
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident
from bot.domain.severity import Severity
from bot.ports.store import Incidents

PAGE_SIZE = 50
_READ_BATCH = 500
ACTIVE = "active"
ALL = "all"
STATUS_CHOICES = (ACTIVE, ALL, *(s.value for s in IncidentStatus))
SEVERITY_CHOICES = tuple(s.value for s in Severity)


class BadFilter(ValueError):
    """A filter or cursor the console cannot use; the message names it."""


SortKey = tuple[int, float, str]


@dataclass(frozen=True)
class QueueFilter:
    status: str = ACTIVE
    severity: str | None = None
    service: str | None = None
    max_age: timedelta | None = None
    age_text: str = ""
    after: SortKey | None = None

    @classmethod
    def parse(cls, query: dict[str, str]) -> QueueFilter:
        status = query.get("status", ACTIVE) or ACTIVE
        if status not in STATUS_CHOICES:
            raise BadFilter(f"status must be one of {', '.join(STATUS_CHOICES)}")
        severity = query.get("severity") or None
        if severity is not None and severity not in SEVERITY_CHOICES:
            raise BadFilter(f"severity must be one of {', '.join(SEVERITY_CHOICES)}")
        age_text = (query.get("age") or "").strip()
        max_age = None
        if age_text:
            try:
                max_age = timedelta(seconds=parse_duration(age_text, bare_unit="h"))
            except DurationError as exc:
                raise BadFilter(f"age: {exc} (e.g. 2h, 7d)") from exc
        service = (query.get("service") or "").strip() or None
        return cls(status, severity, service, max_age, age_text, _cursor(query.get("cursor")))

    def matches(self, incident: Incident, now: datetime) -> bool:
        if self.status == ACTIVE and not incident.is_open:
            return False
        if self.status not in (ACTIVE, ALL) and incident.status.value != self.status:
            return False
        if self.severity and incident.severity.value != self.severity:
            return False
        if self.service and (incident.service or "").lower() != self.service.lower():
            return False
        return not (self.max_age and now - incident.triggered_at > self.max_age)

    def query(self, **changes: str) -> dict[str, str]:
        """The filter as query parameters (for links), with `changes` applied."""
        params = {
            "status": self.status,
            "severity": self.severity or "",
            "service": self.service or "",
            "age": self.age_text,
        }
        params.update(changes)
        return {k: v for k, v in params.items() if v}


@dataclass(frozen=True)
class QueuePage:
    incidents: list[Incident]
    next_cursor: str | None
    total: int  # matching incidents in every page
    services: list[str] = field(default_factory=list)  # for the service filter's choices


def sort_key(incident: Incident) -> SortKey:
    # Active first, then newest first; the id breaks ties so the order is total.
    return (0 if incident.is_open else 1, -incident.triggered_at.timestamp(), incident.id)


def encode_cursor(key: SortKey) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def _cursor(text: str | None) -> SortKey | None:
    if not text:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        rank, stamp, incident_id = raw
        return (int(rank), float(stamp), str(incident_id))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BadFilter("the page cursor is not one this console made; start again") from exc


def all_incidents(store: Incidents) -> list[Incident]:
    """Every incident the store holds, through its own cursor paging."""
    found: list[Incident] = []
    cursor: str | None = None
    while True:
        page = store.list_incidents(open_only=False, limit=_READ_BATCH, cursor=cursor)
        found.extend(page.items)
        cursor = page.next_cursor
        if not cursor:
            return found


def queue_page(
    incidents: list[Incident], wanted: QueueFilter, now: datetime, *, size: int = PAGE_SIZE
) -> QueuePage:
    matching = sorted((i for i in incidents if wanted.matches(i, now)), key=sort_key)
    after = wanted.after
    start = 0
    if after is not None:
        start = next((n for n, i in enumerate(matching) if sort_key(i) > after), len(matching))
    shown = matching[start : start + size]
    more = start + size < len(matching)
    services = sorted({i.service for i in incidents if i.service})
    return QueuePage(
        incidents=shown,
        next_cursor=encode_cursor(sort_key(shown[-1])) if more and shown else None,
        total=len(matching),
        services=services,
    )
