"""The incident queue the console shows: active incidents first, filtered, in cursor pages.

Read through the store's own newest-first listing in two runs, as the operator queue does
(bot/services/operator/incident_queue.py): the open incidents, then the resolved and closed
ones. Only what a page needs is read and parsed (the default view reads the open run alone),
and an age filter ends a run at the first incident too old for it, so a page stays fast with
thousands of incidents in the store. Filters (status, severity, service, age) arrive from
the query string and are checked here: a bad value is a clear message, never a 500.

The cursor is where the next page starts: the run, the store's cursor of the batch it is in,
and the trigger time of the last row shown; rows at or after that time are skipped, so a
page boundary stays put while new incidents arrive.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.durations import DurationError, parse_duration
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident
from bot.domain.severity import Severity
from bot.ports.store import Incidents

PAGE_SIZE = 50
BATCH = 100  # incidents read from the store at a time
ACTIVE = "active"
ALL = "all"
STATUS_CHOICES = (ACTIVE, ALL, *(s.value for s in IncidentStatus))
SEVERITY_CHOICES = tuple(s.value for s in Severity)


class BadFilter(ValueError):
    """A filter or cursor the console cannot use; the message names it."""


class Run(StrEnum):
    OPEN = "open"
    DONE = "done"  # resolved and closed


@dataclass(frozen=True)
class Position:
    run: Run
    store_cursor: str | None = None
    after: datetime | None = None  # skip rows triggered at or after this (already shown)

    def encode(self) -> str:
        raw = [self.run.value, self.store_cursor, self.after.isoformat() if self.after else None]
        return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Position:
        try:
            run, store_cursor, after = json.loads(
                base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            )
            return cls(
                Run(run),
                str(store_cursor) if store_cursor is not None else None,
                datetime.fromisoformat(after) if after else None,
            )
        except (ValueError, TypeError, binascii.Error) as exc:
            raise BadFilter("the page cursor is not one this console made; start again") from exc


@dataclass(frozen=True)
class QueueFilter:
    status: str = ACTIVE
    severity: str | None = None
    service: str | None = None
    max_age: timedelta | None = None
    age_text: str = ""
    start: Position | None = None

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
        cursor = query.get("cursor")
        start = Position.decode(cursor) if cursor else None
        return cls(status, severity, service, max_age, age_text, start)

    def runs(self) -> tuple[Run, ...]:
        if self.status in (ACTIVE,) or (self.status != ALL and IncidentStatus(self.status).is_open):
            return (Run.OPEN,)
        if self.status == ALL:
            return (Run.OPEN, Run.DONE)
        return (Run.DONE,)

    def matches(self, incident: Incident) -> bool:
        if self.status not in (ACTIVE, ALL) and incident.status.value != self.status:
            return False
        if self.severity and incident.severity.value != self.severity:
            return False
        return not (self.service and (incident.service or "").lower() != self.service.lower())

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


def _run(
    store: Incidents, wanted: QueueFilter, at: Position, now: datetime
) -> Iterator[tuple[Position, Incident]]:
    """The run's matching incidents from `at` on, each with the position just after it."""
    store_cursor, after = at.store_cursor, at.after
    while True:
        try:
            page = store.list_incidents(
                open_only=at.run is Run.OPEN, limit=BATCH, cursor=store_cursor
            )
        except ValueError as exc:  # the store did not recognise its cursor
            raise BadFilter("the page cursor is no longer valid; start again") from exc
        for incident in page.items:
            if after is not None and incident.triggered_at >= after:
                continue  # shown on an earlier page (or newer than the page boundary)
            if wanted.max_age is not None and now - incident.triggered_at > wanted.max_age:
                return  # newest first: everything after this is older still
            if at.run is Run.DONE and incident.is_open:
                continue
            if wanted.matches(incident):
                yield replace(at, store_cursor=store_cursor, after=incident.triggered_at), incident
        if page.next_cursor is None:
            return
        store_cursor, after = page.next_cursor, None


def read_queue(
    store: Incidents, wanted: QueueFilter, now: datetime, *, size: int = PAGE_SIZE
) -> QueuePage:
    """One page of matching incidents, active first, and the cursor of the next page (None
    on the last: the page looks one match ahead, so a Next link always leads somewhere)."""
    runs = wanted.runs()
    start = wanted.start or Position(runs[0])
    if start.run not in runs:
        raise BadFilter("the page cursor belongs to another filter; start again")
    shown: list[Incident] = []
    last: Position | None = None
    for run in runs[runs.index(start.run) :]:
        at = start if run is start.run else Position(run)
        for position, incident in _run(store, wanted, at, now):
            if len(shown) == size:
                assert last is not None
                # The next page starts in the batch of the last row shown, after it.
                return QueuePage(
                    shown, last.encode() if last.run is run else Position(run).encode()
                )
            shown.append(incident)
            last = position
    return QueuePage(shown, None)
