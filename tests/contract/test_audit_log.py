"""AuditLog contract, including tampering behind the adapter's back, on both backends."""

from __future__ import annotations

import threading

import pytest

from bot.domain.audit import GENESIS_HASH, AuditAction, AuditChainBroken, verify_chain
from tests.contract.conftest import TEST_KEYS, Backend, ingest, make_alert

INC = "inc-audit"


def _append_three(backend: Backend) -> list[str]:
    ids = []
    for action in (AuditAction.INCIDENT_CREATED, AuditAction.ACKNOWLEDGED, AuditAction.RESOLVED):
        backend.clock.advance(1)
        ids.append(backend.audit.append(INC, actor="U1", action=action).event_id)
    backend.clock.advance(1)
    ids.append(backend.audit.append(INC, actor="U1", action=AuditAction.COMMAND_RUN).event_id)
    return ids


def test_append_chains_events_in_order(backend: Backend) -> None:
    first = backend.audit.append(
        INC, actor="U1", action=AuditAction.INCIDENT_CREATED, details={"title": "db down"}
    )
    backend.clock.advance(1)
    second = backend.audit.append(INC, actor="U2", action=AuditAction.ACKNOWLEDGED)

    assert first.seq == 1 and first.prev_hash == GENESIS_HASH
    assert second.seq == 2 and second.prev_hash == first.hash
    assert backend.audit.events(INC) == [first, second]
    assert verify_chain(INC, backend.audit.events(INC), TEST_KEYS) is None


def test_append_scrubs_secrets(backend: Backend) -> None:
    event = backend.audit.append(
        INC, actor="U1", action=AuditAction.COMMAND_RUN, details={"api_key": "sk-live-123"}
    )
    assert backend.audit.events(INC)[0].details == {"api_key": "[redacted]"}
    assert event.details == {"api_key": "[redacted]"}


def test_append_is_idempotent_on_event_id(backend: Backend) -> None:
    first = backend.audit.append(
        INC, actor="U1", action=AuditAction.STATUS_APPROVED, event_id="ev-approve-1"
    )
    backend.clock.advance(5)
    again = backend.audit.append(
        INC, actor="U9", action=AuditAction.STATUS_APPROVED, event_id="ev-approve-1"
    )

    assert again == first
    assert len(backend.audit.events(INC)) == 1


def test_chain_timestamps_never_go_backwards(backend: Backend) -> None:
    first = backend.audit.append(INC, actor="U1", action=AuditAction.INCIDENT_CREATED)
    backend.clock.advance(-30)  # a replica whose clock lags
    second = backend.audit.append(INC, actor="U1", action=AuditAction.ACKNOWLEDGED)

    assert second.at >= first.at
    assert verify_chain(INC, backend.audit.events(INC), TEST_KEYS) is None


def test_concurrent_appends_make_one_unbroken_chain(backend: Backend) -> None:
    incident = ingest(backend.store, make_alert()).incident  # the head is anchored on it
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            start.wait()
            for i in range(3):
                backend.audit.append(
                    incident.id, actor=f"U{n}", action=AuditAction.COMMAND_RUN, details={"i": i}
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    events = backend.audit.events(incident.id)
    assert errors == []
    assert len(events) == 24
    assert [e.seq for e in events] == list(range(1, 25))
    assert verify_chain(incident.id, events, TEST_KEYS) is None
    head = backend.audit.head(incident.id)
    assert head is not None and (head.seq, head.hash) == (24, events[-1].hash)


def test_concurrent_retries_of_one_event_id_append_once(backend: Backend) -> None:
    start = threading.Barrier(8)
    results = []

    def run() -> None:
        start.wait()
        results.append(
            backend.audit.append(
                INC, actor="U1", action=AuditAction.STATUS_PUBLISHED, event_id="ev-publish-1"
            )
        )

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(backend.audit.events(INC)) == 1
    assert {r.event_id for r in results} == {"ev-publish-1"}
    assert len({r.hash for r in results}) == 1


def test_incident_ids_lists_incidents_with_events(backend: Backend) -> None:
    assert backend.audit.incident_ids() == []
    backend.audit.append("inc-b", actor="U1", action=AuditAction.INCIDENT_CREATED)
    backend.audit.append("inc-a", actor="U1", action=AuditAction.INCIDENT_CREATED, event_id="x1")
    backend.audit.append("inc-a", actor="U1", action=AuditAction.ACKNOWLEDGED)

    assert backend.audit.incident_ids() == ["inc-a", "inc-b"]
    assert backend.audit.events("inc-none") == []


def test_edited_event_is_named(backend: Backend) -> None:
    ids = _append_three(backend)
    backend.tamper.edit(INC, 2, actor="someone-else")

    violation = verify_chain(INC, backend.audit.events(INC), TEST_KEYS)

    assert violation is not None
    assert violation.event_id == ids[1] and violation.seq == 2
    assert "edited" in violation.reason


def test_removed_event_is_named(backend: Backend) -> None:
    ids = _append_three(backend)
    backend.tamper.remove(INC, 2)

    violation = verify_chain(INC, backend.audit.events(INC), TEST_KEYS)

    assert violation is not None
    assert violation.event_id == ids[2] and violation.seq == 2  # the event after the gap
    assert "missing" in violation.reason


def test_reordered_events_are_named(backend: Backend) -> None:
    ids = _append_three(backend)
    backend.tamper.swap(INC, 2, 3)

    violation = verify_chain(INC, backend.audit.events(INC), TEST_KEYS)

    assert violation is not None
    assert violation.event_id == ids[2] and violation.seq == 2  # event 3 now sits at #2
    assert "out of order" in violation.reason or "missing" in violation.reason


def test_append_anchors_the_head_in_the_incident_record_without_a_version_bump(
    backend: Backend,
) -> None:
    incident = ingest(backend.store, make_alert()).incident
    assert backend.audit.head(incident.id) is None

    backend.audit.append(incident.id, actor="U1", action=AuditAction.INCIDENT_CREATED)
    second = backend.audit.append(incident.id, actor="U1", action=AuditAction.ACKNOWLEDGED)

    head = backend.audit.head(incident.id)
    assert head is not None and (head.seq, head.hash) == (2, second.hash)
    assert head.key_id == TEST_KEYS.current.key_id
    stored = backend.store.get(incident.id)
    assert stored is not None and stored.version == incident.version
    assert backend.audit.headed_chain_ids() == []  # on the incident, not a head record


def test_an_incident_update_keeps_the_anchor(backend: Backend) -> None:
    incident = ingest(backend.store, make_alert()).incident
    event = backend.audit.append(incident.id, actor="U1", action=AuditAction.INCIDENT_CREATED)

    updated = backend.store.update(
        incident.model_copy(update={"channel_id": "C1"}), expected_version=incident.version
    )
    backend.store.update(
        updated.model_copy(update={"channel_id": None}), expected_version=updated.version
    )

    head = backend.audit.head(incident.id)
    assert head is not None and (head.seq, head.hash) == (1, event.hash)
    assert backend.store.find_by_channel("C1") is None  # the sparse channel key went away


def test_a_resent_event_leaves_the_head_alone(backend: Backend) -> None:
    incident = ingest(backend.store, make_alert()).incident
    first = backend.audit.append(
        incident.id, actor="U1", action=AuditAction.INCIDENT_CREATED, event_id="ev-once"
    )
    head = backend.audit.head(incident.id)
    again = backend.audit.append(
        incident.id, actor="U1", action=AuditAction.INCIDENT_CREATED, event_id="ev-once"
    )

    assert again == first and backend.audit.head(incident.id) == head
    assert len(backend.audit.events(incident.id)) == 1


def test_the_workspace_chain_is_anchored_in_a_head_record_of_its_own(backend: Backend) -> None:
    incident = ingest(backend.store, make_alert()).incident
    backend.audit.append(incident.id, actor="U1", action=AuditAction.INCIDENT_CREATED)
    backend.audit.append("workspace", actor="U1", action=AuditAction.COMMAND_RUN)
    last = backend.audit.append("workspace", actor="U2", action=AuditAction.COMMAND_RUN)

    head = backend.audit.head("workspace")
    assert head is not None and (head.seq, head.hash) == (2, last.hash)
    assert backend.audit.headed_chain_ids() == ["workspace"]
    assert backend.audit.incident_ids() == sorted([incident.id, "workspace"])


def test_append_to_a_cut_chain_is_refused_and_writes_nothing(backend: Backend) -> None:
    incident = ingest(backend.store, make_alert()).incident
    for action in (AuditAction.INCIDENT_CREATED, AuditAction.ACKNOWLEDGED):
        backend.audit.append(incident.id, actor="U1", action=action)
    backend.tamper.remove(incident.id, 2)
    head = backend.audit.head(incident.id)

    with pytest.raises(AuditChainBroken, match=incident.id):
        backend.audit.append(incident.id, actor="U1", action=AuditAction.RESOLVED)

    assert len(backend.audit.events(incident.id)) == 1
    assert backend.audit.head(incident.id) == head
