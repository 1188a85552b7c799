"""IncidentLedger: the conditional, merge-on-conflict writes through which resumable steps
record themselves on the incident.

Steps finish concurrently, so every write is a conditional update of a fresh copy; a lost
race (ConcurrentUpdate) re-reads the stored incident and re-applies the same change, which
merges step records instead of overwriting them. Each flow keeps its records in its own
book on the incident (`StepBook`): the war-room assembly in `Incident.assembly`, the resolve
flow in `Incident.resolution`; a retry skips whatever its book already holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.models import AssemblyStep, Incident
from bot.ports.store import Incidents

Change = Callable[[Incident], Incident]
_MAX_MERGE_ATTEMPTS = 20


class StepBook(StrEnum):
    """Which of the incident's step records a flow writes (the Incident field's name)."""

    ASSEMBLY = "assembly"
    RESOLUTION = "resolution"

    def records(self, incident: Incident) -> dict[str, AssemblyStep]:
        if self is StepBook.ASSEMBLY:
            return incident.assembly
        return incident.resolution


class IncidentLedger:
    """Conditional, merge-on-conflict writes of one incident shared by concurrent steps."""

    def __init__(self, store: Incidents, incident: Incident) -> None:
        self._store = store
        self._latest = incident
        # Serialises this process's writers so they rarely collide; other processes and
        # replicas are still handled by the conditional write and the merge retry.
        self._lock = threading.Lock()

    @property
    def incident(self) -> Incident:
        return self._latest

    def apply(self, change: Change) -> Incident:
        with self._lock:
            current = self._latest
            for _ in range(_MAX_MERGE_ATTEMPTS):
                try:
                    self._latest = self._store.update(
                        change(current), expected_version=current.version
                    )
                    return self._latest
                except ConcurrentUpdate as conflict:
                    current = self._reread(conflict)
            raise ConcurrentUpdate(
                f"incident {current.id}: gave up after {_MAX_MERGE_ATTEMPTS} conflicting writes",
                current,
            )

    def record_step(
        self,
        step: str,
        *,
        done_at: datetime,
        seconds: float,
        detail: dict[str, Any] | None = None,
        also: Change | None = None,
        book: StepBook = StepBook.ASSEMBLY,
    ) -> Incident:
        """Record `step` as finished in `book`, together with the step's own `also` change."""
        record = AssemblyStep(done_at=done_at, seconds=round(seconds, 4), detail=detail or {})

        def change(incident: Incident) -> Incident:
            changed = also(incident) if also else incident
            records = {**book.records(changed), str(step): record}
            return changed.model_copy(update={book.value: records, "updated_at": done_at})

        return self.apply(change)

    def _reread(self, conflict: ConcurrentUpdate) -> Incident:
        if isinstance(conflict.current, Incident):
            return conflict.current
        fresh = self._store.get(self._latest.id, consistent=True)
        if fresh is None:
            raise NotFound(f"incident {self._latest.id} disappeared during assembly")
        return fresh
