"""Assembly step names and the ledger that records each finished step on the incident.

Steps finish concurrently, so every write is a conditional update of a fresh copy; a lost
race (ConcurrentUpdate) re-reads the stored incident and re-applies the same change, which
merges step records instead of overwriting them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.models import AssemblyStep, Incident
from bot.ports.store import IncidentStore


class StepName(StrEnum):
    CHANNEL = "channel"
    TOPIC = "topic"
    INVITES = "invites"
    CONTEXT_MESSAGE = "context_message"
    CHECKLIST = "checklist"
    BOOKMARKS = "bookmarks"
    ANNOUNCEMENT = "announcement"
    TRIAGE_ANNOUNCEMENT = "triage_announcement"
    CONTEXT_SNAPSHOT = "context_snapshot"


# The steps that need only the channel; they run side by side once it exists.
ROOM_STEPS: tuple[StepName, ...] = (
    StepName.TOPIC,
    StepName.INVITES,
    StepName.CONTEXT_MESSAGE,
    StepName.CHECKLIST,
    StepName.BOOKMARKS,
    StepName.ANNOUNCEMENT,
)

# Run beside the room steps when configured, but never needed for the room to count as
# assembled: live figures are a help, not a precondition.
OPTIONAL_ROOM_STEPS: tuple[StepName, ...] = (StepName.CONTEXT_SNAPSHOT,)

Change = Callable[[Incident], Incident]
_MAX_MERGE_ATTEMPTS = 20


class IncidentLedger:
    """Conditional, merge-on-conflict writes of one incident shared by concurrent steps."""

    def __init__(self, store: IncidentStore, incident: Incident) -> None:
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
        step: StepName,
        *,
        done_at: datetime,
        seconds: float,
        detail: dict[str, Any] | None = None,
        also: Change | None = None,
    ) -> Incident:
        record = AssemblyStep(done_at=done_at, seconds=round(seconds, 4), detail=detail or {})

        def change(incident: Incident) -> Incident:
            changed = also(incident) if also else incident
            return changed.model_copy(
                update={"assembly": {**changed.assembly, step.value: record}, "updated_at": done_at}
            )

        return self.apply(change)

    def _reread(self, conflict: ConcurrentUpdate) -> Incident:
        if isinstance(conflict.current, Incident):
            return conflict.current
        fresh = self._store.get(self._latest.id, consistent=True)
        if fresh is None:
            raise NotFound(f"incident {self._latest.id} disappeared during assembly")
        return fresh
