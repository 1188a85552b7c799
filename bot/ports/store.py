"""The store's ports: incidents (with their alerts), the outbox, the timeline, and claims.

Four narrow Protocols, so each service names only what it touches: `Incidents`, `Outbox`,
`Timeline` and `Claims`. `IncidentStore` is all four together, what an adapter (SQLite,
DynamoDB) implements and wiring builds once; every adapter passes the one contract suite in
tests/contract/.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from pydantic import BaseModel

from bot.domain.models import Alert, AlertStatus, Incident, TimelineEntry

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class AlertRecord(BaseModel):
    """An accepted alert notification and the incident it landed on (re-send dedup key)."""

    dedup_key: str  # f"{source}:{external_id}:{status}"
    incident_id: str
    alert: Alert


class OutboxEvent(BaseModel):
    """A queue event written in the same atomic step as the record it announces.

    It is pending until the queue accepted it, so a crash between the store write and
    the enqueue loses nothing: the sender's retry or the recovery sweep sends it again.
    """

    event_id: str
    incident_id: str
    event_type: str
    payload: dict[str, object]
    created_at: datetime
    sent_at: datetime | None = None


class Intake(BaseModel):
    """What `IncidentStore.ingest` did with one alert."""

    incident: Incident
    created: bool  # a new incident was opened for the alert's group
    duplicate: bool  # this exact notification was accepted before
    outbox: OutboxEvent  # the event to enqueue (pending unless already sent)


def is_recurrence(alert: Alert, known_incident: Incident) -> bool:
    """A firing notification identical to one whose incident is over is a new occurrence
    (Alertmanager re-sends the same groupKey and fingerprints when a problem comes back),
    not a re-send: swallowing it as a duplicate would lose the page.

    Not so for an id the sender gives one event only (`Alert.event_unique`): a real
    recurrence comes with a new event id, so the same id again is a captured request being
    replayed, and it stays a duplicate of the incident it opened, for as long as the alert
    dedup record is kept (both stores keep it for good)."""
    return is_recurrence_when(alert, incident_open=known_incident.is_open)


def is_recurrence_when(alert: Alert, *, incident_open: bool) -> bool:
    """`is_recurrence` from the known incident's open flag alone (a store's column), for a
    re-send answered without loading the incident."""
    return alert.status is AlertStatus.FIRING and not alert.event_unique and not incident_open


class Incidents(Protocol):
    """Incidents and the alert notifications that open or join them."""

    def ping(self) -> None:
        """Raise BackendUnavailable when the store cannot serve requests."""

    def ingest(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent
    ) -> Intake | None:
        """Atomically: dedup the notification, attach it to the open incident of its group
        (or create `new_incident` when the group has none), and write `event` to the outbox.
        With `new_incident` None and no open incident of the group, write nothing, return None.

        A re-sent notification (same source, external id and status) returns the original
        incident and outbox event with duplicate=True and writes nothing, unless it is a
        recurrence (see `is_recurrence`), which is ingested afresh.
        """

    def create_if_absent(self, incident: Incident) -> tuple[Incident, bool]:
        """Open `incident` unless its group already has an open incident; returns the winner."""

    def get(self, incident_id: str, *, consistent: bool = True) -> Incident | None: ...

    def update(self, incident: Incident, *, expected_version: int) -> Incident:
        """Write `incident` if the stored version is still `expected_version`; returns it with
        version+1. Raises ConcurrentUpdate carrying the stored incident otherwise.
        Releases the group key when the incident leaves the open states."""

    def update_with_events(
        self, incident: Incident, *, expected_version: int, events: Sequence[OutboxEvent]
    ) -> Incident:
        """`update`, with `events` (new event ids) written to the outbox, pending, in the same
        atomic step: a crash after the state change cannot lose the event that announces it,
        and a lost race (ConcurrentUpdate) writes neither."""

    def find_by_channel(self, channel_id: str) -> Incident | None: ...

    def list_incidents(
        self, *, open_only: bool = True, limit: int = 50, cursor: str | None = None
    ) -> Page[Incident]:
        """Newest first. A cursor the store does not recognise raises ValueError."""


class Outbox(Protocol):
    """Queue events waiting to be sent, written with the records they announce."""

    def pending_outbox(self, *, older_than: datetime, limit: int = 100) -> list[OutboxEvent]: ...

    def mark_outbox_sent(self, event_id: str) -> None: ...

    def add_outbox(self, event: OutboxEvent) -> None:
        """Queue an event later work needs (e.g. ALERT_RESOLVED) through the same outbox."""


class Timeline(Protocol):
    """Each incident's timeline entries."""

    def add_timeline(self, entry: TimelineEntry) -> None: ...

    def remove_timeline(self, incident_id: str, entry_id: str) -> bool: ...

    def find_timeline_by_ref(self, incident_id: str, source_ref: str) -> TimelineEntry | None: ...

    def list_timeline(self, incident_id: str) -> list[TimelineEntry]:
        """Oldest first."""


class Claims(Protocol):
    """First-writer-wins keys, so replicas never act twice."""

    def claim(self, key: str, owner: str, *, ttl_seconds: int | None = None) -> bool:
        """Create-if-absent on `key`: True for the first caller only. Used for envelope dedup,
        nudge slots and publish locks so replicas never act twice."""

    def claimed(self, key: str) -> bool:
        """True while a claim on `key` holds (made and not expired): how a side effect that
        records itself after it is done (a room message) sees that it was done already."""


class IncidentsWithTimeline(Incidents, Timeline, Protocol):
    """For the services that read or write an incident and its timeline together."""


class IncidentsWithOutbox(Incidents, Outbox, Protocol):
    """For the services that change an incident and queue what follows from it."""


class IncidentStore(Incidents, Outbox, Timeline, Claims, Protocol):
    """The whole store: what each adapter implements and wiring builds once."""
