"""WatchedIncidentStore: the IncidentStore as it is, reporting every incident it writes.

Every change of an incident (a command, an assembly step, the resolve flow, a reopen) is an
`update` or `update_with_events` of the store, so wrapping the store is the one place that
sees them all; the observer (IncidentCards.changed) must return at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from bot.domain.models import Alert, Incident, TimelineEntry
from bot.ports.store import IncidentStore, Intake, OutboxEvent, Page

Observer = Callable[[Incident], None]


class WatchedIncidentStore:
    def __init__(self, store: IncidentStore) -> None:
        self._store = store
        self._observers: list[Observer] = []

    def observe(self, observer: Observer) -> None:
        self._observers.append(observer)

    def _written(self, incident: Incident) -> Incident:
        for observer in self._observers:
            observer(incident)
        return incident

    # -- written, then reported ------------------------------------------------------------

    def update(self, incident: Incident, *, expected_version: int) -> Incident:
        return self._written(self._store.update(incident, expected_version=expected_version))

    def update_with_events(
        self, incident: Incident, *, expected_version: int, events: Sequence[OutboxEvent]
    ) -> Incident:
        stored = self._store.update_with_events(
            incident, expected_version=expected_version, events=events
        )
        return self._written(stored)

    # -- passed through --------------------------------------------------------------------

    def ping(self) -> None:
        self._store.ping()

    def ingest(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent
    ) -> Intake | None:
        return self._store.ingest(alert, new_incident, event)

    def create_if_absent(self, incident: Incident) -> tuple[Incident, bool]:
        return self._store.create_if_absent(incident)

    def get(self, incident_id: str, *, consistent: bool = True) -> Incident | None:
        return self._store.get(incident_id, consistent=consistent)

    def find_by_channel(self, channel_id: str) -> Incident | None:
        return self._store.find_by_channel(channel_id)

    def list_incidents(
        self, *, open_only: bool = True, limit: int = 50, cursor: str | None = None
    ) -> Page[Incident]:
        return self._store.list_incidents(open_only=open_only, limit=limit, cursor=cursor)

    def pending_outbox(self, *, older_than: datetime, limit: int = 100) -> list[OutboxEvent]:
        return self._store.pending_outbox(older_than=older_than, limit=limit)

    def mark_outbox_sent(self, event_id: str) -> None:
        self._store.mark_outbox_sent(event_id)

    def add_outbox(self, event: OutboxEvent) -> None:
        self._store.add_outbox(event)

    def add_timeline(self, entry: TimelineEntry) -> None:
        self._store.add_timeline(entry)

    def remove_timeline(self, incident_id: str, entry_id: str) -> bool:
        return self._store.remove_timeline(incident_id, entry_id)

    def find_timeline_by_ref(self, incident_id: str, source_ref: str) -> TimelineEntry | None:
        return self._store.find_timeline_by_ref(incident_id, source_ref)

    def list_timeline(self, incident_id: str) -> list[TimelineEntry]:
        return self._store.list_timeline(incident_id)

    def claim(self, key: str, owner: str, *, ttl_seconds: int | None = None) -> bool:
        return self._store.claim(key, owner, ttl_seconds=ttl_seconds)

    def claimed(self, key: str) -> bool:
        return self._store.claimed(key)
