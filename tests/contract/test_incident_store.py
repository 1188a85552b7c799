"""IncidentStore contract: every test runs on SQLite and on DynamoDB (moto over HTTP)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertStatus, Incident, TimelineEntry, TimelineKind
from bot.ports.store import Intake
from tests.contract.conftest import T0, Backend, ingest, make_alert, make_event


def test_first_alert_creates_incident_with_pending_outbox(backend: Backend) -> None:
    alert = make_alert()
    new = Incident.from_alert(alert)
    event = make_event()

    intake = backend.store.ingest(alert, new, event)

    assert intake is not None
    assert intake.created and not intake.duplicate
    assert intake.incident.id == new.id
    assert intake.outbox.event_id == event.event_id
    assert intake.outbox.incident_id == new.id
    assert backend.store.get(new.id) == new
    pending = backend.store.pending_outbox(older_than=T0 + timedelta(seconds=1))
    assert [e.event_id for e in pending] == [event.event_id]


def test_second_alert_of_group_attaches_to_open_incident(backend: Backend) -> None:
    first = ingest(backend.store, make_alert("grp-a"))
    second = ingest(backend.store, make_alert("grp-a"))

    assert not second.created and not second.duplicate
    assert second.incident.id == first.incident.id
    assert second.incident.alert_count == 2
    assert second.incident.version == first.incident.version + 1
    assert second.outbox.incident_id == first.incident.id
    stored = backend.store.get(first.incident.id)
    assert stored is not None and stored.alert_count == 2


def test_resent_notification_is_a_duplicate_with_original_incident_and_outbox(
    backend: Backend,
) -> None:
    alert = make_alert(external_id="notif-1")
    original = ingest(backend.store, alert)

    again = backend.store.ingest(alert, Incident.from_alert(alert), make_event())

    assert again is not None
    assert again.duplicate and not again.created
    assert again.incident.id == original.incident.id
    assert again.incident.alert_count == 1  # nothing was written
    assert again.outbox == original.outbox
    assert again.outbox.sent_at is None  # so the caller re-enqueues it


def test_duplicate_reports_outbox_already_sent(backend: Backend) -> None:
    alert = make_alert(external_id="notif-2")
    original = ingest(backend.store, alert)
    backend.store.mark_outbox_sent(original.outbox.event_id)

    again = ingest(backend.store, alert)

    assert again.duplicate
    assert again.outbox.sent_at == backend.clock.now
    assert backend.store.pending_outbox(older_than=T0 + timedelta(days=1)) == []


def test_same_alert_firing_again_after_resolve_opens_a_new_incident(backend: Backend) -> None:
    """A recurrence (identical notification after the incident is over) is a new page."""
    alert = make_alert("grp-recur", external_id="same-every-time")
    first = ingest(backend.store, alert)
    done = first.incident.transition(IncidentStatus.RESOLVED)
    backend.store.update(done, expected_version=first.incident.version)

    again = ingest(backend.store, alert)

    assert again.created and not again.duplicate
    assert again.incident.id != first.incident.id
    assert again.outbox.event_id != first.outbox.event_id
    # and a re-send of the recurrence is a plain duplicate of the new incident
    resent = ingest(backend.store, alert)
    assert resent.duplicate and resent.incident.id == again.incident.id


def test_resolved_alert_without_an_open_incident_writes_nothing(backend: Backend) -> None:
    alert = make_alert("grp-gone", status=AlertStatus.RESOLVED)

    assert backend.store.ingest(alert, None, make_event()) is None

    assert backend.store.list_incidents(open_only=False).items == []
    assert backend.store.pending_outbox(older_than=T0 + timedelta(days=1)) == []


def test_same_external_id_with_other_status_is_not_a_duplicate(backend: Backend) -> None:
    firing = ingest(backend.store, make_alert(external_id="n-3"))
    resolved = ingest(backend.store, make_alert(external_id="n-3", status=AlertStatus.RESOLVED))

    assert not resolved.duplicate
    assert resolved.incident.id == firing.incident.id


@pytest.mark.slow  # twenty racing writers
def test_twenty_concurrent_ingests_of_one_group_open_exactly_one_incident(
    backend: Backend,
) -> None:
    start = threading.Barrier(20)
    results: list[Intake] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            start.wait()
            intake = ingest(backend.store, make_alert("storm"))
            with lock:
                results.append(intake)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sum(r.created for r in results) == 1
    assert len({r.incident.id for r in results}) == 1
    stored = backend.store.get(results[0].incident.id)
    assert stored is not None and stored.alert_count == 20
    assert len(backend.store.list_incidents(open_only=False).items) == 1
    pending = backend.store.pending_outbox(older_than=T0 + timedelta(days=1))
    assert len(pending) == 20


def test_update_bumps_version_and_refuses_a_stale_one(backend: Backend) -> None:
    incident = ingest(backend.store, make_alert()).incident
    ack = incident.model_copy(update={"acknowledged_by": "U1"})

    updated = backend.store.update(ack, expected_version=incident.version)
    assert updated.version == incident.version + 1
    assert backend.store.get(incident.id) == updated

    with pytest.raises(ConcurrentUpdate) as lost:
        backend.store.update(incident.model_copy(update={"title": "x"}), expected_version=0)
    assert lost.value.current == updated


def _pending_ids(backend: Backend) -> list[str]:
    return [e.event_id for e in backend.store.pending_outbox(older_than=T0 + timedelta(days=1))]


def test_update_with_events_writes_the_change_and_its_events_together(backend: Backend) -> None:
    intake = ingest(backend.store, make_alert("grp-ev"))
    backend.store.mark_outbox_sent(intake.outbox.event_id)
    incident = intake.incident
    announce = [make_event(incident.id), make_event(incident.id)]

    resolved = backend.store.update_with_events(
        incident.transition(IncidentStatus.RESOLVED, at=T0),
        expected_version=incident.version,
        events=announce,
    )

    assert resolved.version == incident.version + 1
    assert backend.store.get(incident.id) == resolved
    assert sorted(_pending_ids(backend)) == sorted(e.event_id for e in announce)
    # the state change still does what `update` does: the group is free for a new incident
    assert ingest(backend.store, make_alert("grp-ev")).created


def test_update_with_events_that_loses_the_race_writes_no_event(backend: Backend) -> None:
    intake = ingest(backend.store, make_alert("grp-lost"))
    backend.store.mark_outbox_sent(intake.outbox.event_id)
    incident = intake.incident
    winner = backend.store.update(
        incident.model_copy(update={"acknowledged_by": "U1"}), expected_version=incident.version
    )

    with pytest.raises(ConcurrentUpdate) as lost:
        backend.store.update_with_events(
            incident.transition(IncidentStatus.RESOLVED),
            expected_version=incident.version,
            events=[make_event(incident.id)],
        )

    assert lost.value.current == winner
    assert backend.store.get(incident.id) == winner
    assert _pending_ids(backend) == []


def test_update_with_events_leaves_an_event_already_in_the_outbox_alone(backend: Backend) -> None:
    incident = ingest(backend.store, make_alert("grp-again")).incident
    sent = make_event(incident.id)
    backend.store.add_outbox(sent)
    backend.store.mark_outbox_sent(sent.event_id)
    fresh = make_event(incident.id)

    backend.store.update_with_events(
        incident.model_copy(update={"acknowledged_by": "U1"}),
        expected_version=incident.version,
        events=[sent, fresh],
    )

    pending = _pending_ids(backend)
    assert fresh.event_id in pending and sent.event_id not in pending


def test_update_of_unknown_incident_is_not_found(backend: Backend) -> None:
    ghost = Incident.from_alert(make_alert())
    with pytest.raises(NotFound):
        backend.store.update(ghost, expected_version=0)


def test_resolving_releases_the_group_for_a_new_incident(backend: Backend) -> None:
    first = ingest(backend.store, make_alert("grp-r")).incident
    resolved = backend.store.update(
        first.transition(IncidentStatus.RESOLVED, at=T0), expected_version=first.version
    )
    assert not resolved.is_open

    second = ingest(backend.store, make_alert("grp-r"))

    assert second.created
    assert second.incident.id != first.id
    stored_first = backend.store.get(first.id)
    assert stored_first is not None and stored_first.alert_count == 1


def test_reopened_incident_does_not_steal_group_from_newer_one(backend: Backend) -> None:
    first = ingest(backend.store, make_alert("grp-o")).incident
    resolved = backend.store.update(
        first.transition(IncidentStatus.RESOLVED), expected_version=first.version
    )
    newer = ingest(backend.store, make_alert("grp-o")).incident
    backend.store.update(
        resolved.transition(IncidentStatus.INVESTIGATING), expected_version=resolved.version
    )

    attached = ingest(backend.store, make_alert("grp-o"))

    assert attached.incident.id == newer.id


def test_create_if_absent_returns_the_open_winner(backend: Backend) -> None:
    a = Incident.from_alert(make_alert("grp-c"))
    b = Incident.from_alert(make_alert("grp-c"))

    assert backend.store.create_if_absent(a) == (a, True)
    winner, created = backend.store.create_if_absent(b)

    assert not created and winner.id == a.id


def test_find_by_channel(backend: Backend) -> None:
    incident = ingest(backend.store, make_alert()).incident
    assert backend.store.find_by_channel("C123") is None
    backend.store.update(
        incident.model_copy(update={"channel_id": "C123"}), expected_version=incident.version
    )

    found = backend.store.find_by_channel("C123")

    assert found is not None and found.id == incident.id


def _ingest_at(backend: Backend, group: str, minutes: int) -> Incident:
    alert = make_alert(group, received_at=T0 + timedelta(minutes=minutes))
    intake: Intake = ingest(backend.store, alert)
    return intake.incident


def test_listing_is_newest_first_and_pages_with_a_cursor(backend: Backend) -> None:
    made = [_ingest_at(backend, f"g{i}", minutes=i) for i in range(5)]
    resolved = backend.store.update(
        made[3].transition(IncidentStatus.RESOLVED), expected_version=made[3].version
    )

    first = backend.store.list_incidents(open_only=False, limit=2)
    assert [i.id for i in first.items] == [made[4].id, resolved.id]
    assert first.next_cursor is not None
    second = backend.store.list_incidents(open_only=False, limit=2, cursor=first.next_cursor)
    assert [i.id for i in second.items] == [made[2].id, made[1].id]
    assert second.next_cursor is not None
    third = backend.store.list_incidents(open_only=False, limit=2, cursor=second.next_cursor)
    assert [i.id for i in third.items] == [made[0].id]
    assert third.next_cursor is None

    open_page = backend.store.list_incidents(limit=3)
    assert [i.id for i in open_page.items] == [made[4].id, made[2].id, made[1].id]
    rest = backend.store.list_incidents(limit=3, cursor=open_page.next_cursor)
    assert [i.id for i in rest.items] == [made[0].id]
    assert rest.next_cursor is None


def test_exact_page_has_no_next_cursor(backend: Backend) -> None:
    for i in range(2):
        _ingest_at(backend, f"g{i}", minutes=i)
    page = backend.store.list_incidents(limit=2)
    assert len(page.items) == 2
    assert page.next_cursor is None


@pytest.mark.parametrize("cursor", ["garbage!!", "", "eyJ4IjogMX0", "bm90IGpzb24"])
def test_unrecognised_cursor_is_a_value_error(backend: Backend, cursor: str) -> None:
    with pytest.raises(ValueError, match="cursor"):
        backend.store.list_incidents(cursor=cursor)


def test_claim_is_won_once_until_it_expires(backend: Backend) -> None:
    assert backend.store.claim("nudge:inc-1:1", "replica-a", ttl_seconds=60)
    assert not backend.store.claim("nudge:inc-1:1", "replica-b", ttl_seconds=60)
    backend.clock.advance(59)
    assert not backend.store.claim("nudge:inc-1:1", "replica-b", ttl_seconds=60)
    backend.clock.advance(1)
    assert backend.store.claim("nudge:inc-1:1", "replica-b", ttl_seconds=60)


def test_claimed_reads_whether_a_claim_holds_without_making_one(backend: Backend) -> None:
    assert not backend.store.claimed("room-message:r1")
    assert not backend.store.claimed("room-message:r1")  # reading made no claim
    assert backend.store.claim("room-message:r1:lease", "w1", ttl_seconds=30)
    assert backend.store.claimed("room-message:r1:lease")
    backend.clock.advance(30)
    assert not backend.store.claimed("room-message:r1:lease")  # the lease ran out
    assert backend.store.claim("room-message:r1", "w1")
    backend.clock.advance(10**7)
    assert backend.store.claimed("room-message:r1")


def test_claim_without_ttl_is_permanent(backend: Backend) -> None:
    assert backend.store.claim("publish:draft-1", "a")
    backend.clock.advance(10**7)
    assert not backend.store.claim("publish:draft-1", "b")
    assert backend.store.claim("publish:draft-2", "b")


def test_concurrent_claims_have_one_winner(backend: Backend) -> None:
    start = threading.Barrier(10)
    wins: list[bool] = []

    def run(owner: str) -> None:
        start.wait()
        wins.append(backend.store.claim("envelope-1", owner, ttl_seconds=300))

    threads = [threading.Thread(target=run, args=(f"o{i}",)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(wins) == [False] * 9 + [True]


def test_outbox_pending_until_marked_sent(backend: Backend) -> None:
    old = make_event("inc-x", created_at=T0)
    newer = make_event("inc-x", created_at=T0 + timedelta(minutes=5))
    backend.store.add_outbox(newer)
    backend.store.add_outbox(old)
    backend.store.add_outbox(old)  # idempotent

    due = backend.store.pending_outbox(older_than=T0 + timedelta(minutes=1))
    assert [e.event_id for e in due] == [old.event_id]
    both = backend.store.pending_outbox(older_than=T0 + timedelta(hours=1))
    assert [e.event_id for e in both] == [old.event_id, newer.event_id]
    assert len(backend.store.pending_outbox(older_than=T0 + timedelta(hours=1), limit=1)) == 1

    backend.store.mark_outbox_sent(old.event_id)
    backend.store.mark_outbox_sent(old.event_id)  # idempotent
    backend.store.mark_outbox_sent("ob-unknown")  # no-op

    left = backend.store.pending_outbox(older_than=T0 + timedelta(hours=1))
    assert [e.event_id for e in left] == [newer.event_id]


def test_timeline_add_list_find_remove(backend: Backend) -> None:
    later = TimelineEntry(
        incident_id="inc-t", at=T0 + timedelta(minutes=2), author="U2", text="rolled back"
    )
    earlier = TimelineEntry(
        incident_id="inc-t",
        at=T0,
        author="U1",
        kind=TimelineKind.PINNED_MESSAGE,
        text="error rate spiking",
        source_ref="1714564800.000100",
    )
    other = TimelineEntry(incident_id="inc-other", author="U3", text="elsewhere")
    for entry in (later, earlier, other):
        backend.store.add_timeline(entry)

    assert backend.store.list_timeline("inc-t") == [earlier, later]
    assert backend.store.find_timeline_by_ref("inc-t", "1714564800.000100") == earlier
    assert backend.store.find_timeline_by_ref("inc-t", "nope") is None
    assert backend.store.find_timeline_by_ref("inc-other", "1714564800.000100") is None

    assert backend.store.remove_timeline("inc-t", earlier.id)
    assert not backend.store.remove_timeline("inc-t", earlier.id)
    assert backend.store.list_timeline("inc-t") == [later]


def test_ping_succeeds_on_a_working_store(backend: Backend) -> None:
    backend.store.ping()
    assert backend.store.get("inc-missing") is None


def test_an_event_unique_alert_seen_again_after_resolve_is_a_duplicate(backend: Backend) -> None:
    """A sender's own event id (PagerDuty's event.id) names one event forever: the same id
    after the incident is over is a replayed request, not a recurrence."""
    alert = make_alert("grp-replay", external_id="PD-EVENT-1").model_copy(
        update={"event_unique": True}
    )
    first = ingest(backend.store, alert)
    done = first.incident.transition(IncidentStatus.RESOLVED)
    backend.store.update(done, expected_version=first.incident.version)

    replayed = ingest(backend.store, alert)

    assert replayed.duplicate and not replayed.created
    assert replayed.incident.id == first.incident.id
    assert replayed.outbox == first.outbox
    assert backend.store.list_incidents(open_only=False).items == [replayed.incident]
