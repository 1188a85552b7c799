"""IncidentUpdates is bounded: an incident rewritten before every attempt ends in a clear
ConcurrentUpdate after `max_attempts`, never a loop, and the change is not half-applied."""

from __future__ import annotations

from typing import cast

import pytest

from bot.domain.errors import ConcurrentUpdate
from bot.ports.store import IncidentStore
from bot.services.incident_updates import IncidentUpdates
from tests.contract.conftest import Backend
from tests.services.test_commands_during_assembly import AssemblingMeanwhile, assembling


def test_a_change_that_keeps_losing_gives_up_after_its_bound(backend: Backend) -> None:
    """Bounded: an incident rewritten before every attempt ends in ConcurrentUpdate, not a
    loop; the reply then says the command did not complete (the registry's domain answer)."""
    incident = assembling(backend, "bound")
    busy = AssemblingMeanwhile(backend.store)
    updates = IncidentUpdates(cast(IncidentStore, busy), max_attempts=3)

    with pytest.raises(ConcurrentUpdate, match="3 times in a row"):
        updates.apply(incident, lambda current: current.model_copy(update={"title": "x"}))

    assert busy.lost_races == 3
    stored = backend.store.get(incident.id)
    assert stored is not None and stored.title == "Checkout 5xx above 20%"
