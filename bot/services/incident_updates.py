"""apply_change: one optimistic-concurrency write of an incident, retried once on a lost race."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.models import Incident
from bot.ports.store import IncidentStore

# Given the current incident, the changed copy to write, or None when nothing needs changing.
Change = Callable[[Incident], Incident | None]


def apply_change(store: IncidentStore, incident: Incident, change: Change) -> tuple[Incident, bool]:
    """Write `change(incident)`; on ConcurrentUpdate re-apply it once to the stored incident.

    Returns the incident as stored and whether anything was written. The change function
    sees the fresh record on the retry, so it can notice someone else already did the work.
    """
    current = incident
    for attempt in range(2):
        changed = change(current)
        if changed is None:
            return current, False
        try:
            return store.update(changed, expected_version=current.version), True
        except ConcurrentUpdate as exc:
            if attempt:
                raise
            fresh = exc.current if isinstance(exc.current, Incident) else store.get(current.id)
            if fresh is None:
                raise NotFound(f"incident {current.id} disappeared during an update") from exc
            current = fresh
    raise AssertionError("unreachable")  # pragma: no cover
