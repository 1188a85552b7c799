"""`marshal processor` alone sweeps the outbox: processors write outbox events too (a resolve
and its INCIDENT_RESOLVED), and on AWS no webhook process may be running to relay them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.models import utcnow
from bot.ports.store import OutboxEvent
from bot.settings import Settings
from bot.wiring.stores import build_store
from tests.e2e.conftest import start_marshal
from tests.eventually import eventually

pytestmark = pytest.mark.slow  # runs marshal in subprocesses


def test_a_processor_alone_relays_an_event_a_crashed_processor_left_in_the_outbox(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, marshal_db_path=tmp_path / "marshal.db")
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
        eventually(
            lambda: not store.pending_outbox(older_than=utcnow()),
            timeout=20,
            interval=0.2,
            message="the processor to relay the outbox",
        )
        assert store.pending_outbox(older_than=utcnow()) == []
    finally:
        marshal.stop()
        marshal.close()
