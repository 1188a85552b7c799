"""Read-modify-write of one incident with bounded retries on a lost conditional write."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.models import Incident
from bot.ports.store import Incidents

ATTEMPTS = 3


def edit_incident(
    store: Incidents, incident_id: str, change: Callable[[Incident], Incident]
) -> Incident:
    """Apply `change` to the stored incident, re-reading and retrying when another writer won.
    Raises NotFound, or ConcurrentUpdate when every attempt lost."""
    last_error: ConcurrentUpdate | None = None
    for _ in range(ATTEMPTS):
        current = store.get(incident_id, consistent=True)
        if current is None:
            raise NotFound(f"incident {incident_id} does not exist")
        try:
            return store.update(change(current), expected_version=current.version)
        except ConcurrentUpdate as exc:
            last_error = exc
    assert last_error is not None
    raise ConcurrentUpdate(
        f"incident {incident_id} kept changing under us ({ATTEMPTS} attempts)", last_error.current
    ) from last_error
