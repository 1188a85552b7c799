"""`marshal processor` alone sweeps the outbox: processors write outbox events too (a resolve
and its INCIDENT_RESOLVED), and on AWS no webhook process may be running to relay them."""

from __future__ import annotations

import time
from pathlib import Path

from bot.domain.models import utcnow
from bot.ports.store import OutboxEvent
from bot.settings import Settings
from bot.wiring.stores import build_store
from tests.e2e.conftest import start_marshal


def test_a_processor_alone_relays_an_event_a_crashed_processor_left_in_the_outbox(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, marshal_db_path=tmp_path / "marshal.db")  # type: ignore[call-arg]
    store = build_store(settings)
    store.add_outbox(
        OutboxEvent(
            event_id="evt-left-behind",
            incident_id="inc-left-behind",
            event_type="SLA_CHECK",
            payload={"check": "postmortem_due"},
            created_at=utcnow(),
        )
    )
    assert [e.event_id for e in store.pending_outbox(older_than=utcnow())] == ["evt-left-behind"]

    marshal = start_marshal(tmp_path, "processor")
    try:
        deadline = time.monotonic() + 20
        while store.pending_outbox(older_than=utcnow()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert store.pending_outbox(older_than=utcnow()) == []
    finally:
        marshal.stop()
        marshal.close()
