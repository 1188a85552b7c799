"""IncidentUpdates: the one way a command or service changes an incident it read earlier.

An incident is written by many hands at once: while the war room assembles, every finished
step is recorded on it, and the people just invited type `/marshal ack`, `severity`,
`resolve` at the same moment. Each change is a pure function of the current record; a
lost optimistic-concurrency race re-reads the stored incident and re-applies the function,
a bounded number of times, so the change merges with what others wrote instead of failing
with "is at version N". Events that announce the change go to the outbox in the same
atomic write (`Incidents.update_with_events`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.models import Incident
from bot.ports.store import Incidents, OutboxEvent

# Given the current incident, the changed copy to write, or None when nothing needs changing.
# It may run several times (once per lost race), always on the freshest stored record.
Change = Callable[[Incident], Incident | None]

# Enough for a burst of concurrent assembly steps plus a few people typing; the assembler's
# own ledger uses the same bound.
MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class Applied:
    """What a change did: `before` is the record it was applied to (the fresh one after a
    lost race), `after` the incident as stored, `changed` whether anything was written."""

    before: Incident
    after: Incident
    changed: bool


class IncidentUpdates:
    def __init__(self, store: Incidents, *, max_attempts: int = MAX_ATTEMPTS) -> None:
        self._store = store
        self._max_attempts = max_attempts

    def apply(
        self,
        incident: Incident | str,
        change: Change,
        *,
        events: Sequence[OutboxEvent] = (),
    ) -> Applied:
        """Write `change(current)` (and `events`, only if something is written) atomically.

        `incident` is the record the caller read (the first attempt starts from it) or an id
        (read fresh). Raises NotFound when the incident is gone, ConcurrentUpdate only after
        `max_attempts` lost races in a row, and whatever `change` raises (e.g. an
        IllegalTransition seen on the fresh record) as the domain's answer.
        """
        current = self._read(incident) if isinstance(incident, str) else incident
        for _ in range(self._max_attempts):
            changed = change(current)
            if changed is None:
                return Applied(current, current, changed=False)
            try:
                stored = self._store.update_with_events(
                    changed, expected_version=current.version, events=events
                )
            except ConcurrentUpdate as lost:
                current = (
                    lost.current if isinstance(lost.current, Incident) else self._read(current.id)
                )
                continue
            return Applied(current, stored, changed=True)
        raise ConcurrentUpdate(
            f"incident {current.id} changed under this update {self._max_attempts} times in "
            "a row; try again",
            current,
        )

    def _read(self, incident_id: str) -> Incident:
        fresh = self._store.get(incident_id, consistent=True)
        if fresh is None:
            raise NotFound(f"incident {incident_id} does not exist")
        return fresh


def apply_change(store: Incidents, incident: Incident, change: Change) -> tuple[Incident, bool]:
    """`IncidentUpdates(store).apply(incident, change)` as (stored incident, written?)."""
    applied = IncidentUpdates(store).apply(incident, change)
    return applied.after, applied.changed
