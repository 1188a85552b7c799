"""Pure schedule math: slots, missed-slot coalescing, silences, reminders' due times."""

from datetime import UTC, datetime, timedelta

from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident, Role
from bot.domain.severity import Severity
from bot.services.nudges.schedule import (
    Cadence,
    Due,
    describe_seconds,
    ic_unclaimed_due,
    next_inactive_check,
    next_nudge,
    next_postmortem_check,
    nudge_window,
)

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
EVERY = {Severity.P1: 900, Severity.P2: 1800}


def incident(**changes: object) -> Incident:
    base = Incident(
        source=AlertSource.GENERIC,
        group_key="g",
        title="API down",
        severity=Severity.P1,
        status=IncidentStatus.INVESTIGATING,
        channel_id="C1",
        triggered_at=T0 - timedelta(minutes=2),
        assembled_at=T0,
    )
    return base.model_copy(update=changes)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_first_nudge_is_one_interval_after_assembly() -> None:
    assert next_nudge(incident(), EVERY, at(10)) == Due(1, at(900))


def test_interval_depends_on_severity_and_some_get_none() -> None:
    assert next_nudge(incident(severity=Severity.P2), EVERY, at(0)) == Due(1, at(1800))
    assert next_nudge(incident(severity=Severity.P3), EVERY, at(0)) is None


def test_no_nudges_without_room_or_after_resolve() -> None:
    assert next_nudge(incident(channel_id=None), EVERY, at(0)) is None
    assert next_nudge(incident(status=IncidentStatus.RESOLVED), EVERY, at(0)) is None


def test_no_nudges_while_the_room_is_still_being_assembled() -> None:
    # channel created, assembly interrupted (a crash): the anchor is not known yet
    for status in (IncidentStatus.TRIGGERED, IncidentStatus.ASSEMBLING):
        assert next_nudge(incident(status=status, assembled_at=None), EVERY, at(3600)) is None
    failed = incident(status=IncidentStatus.ASSEMBLY_FAILED, assembled_at=None)
    assert next_nudge(failed, EVERY, at(0)) is not None  # people are in it: keep them going


def test_anchor_falls_back_to_trigger_time() -> None:
    plan = next_nudge(incident(assembled_at=None), EVERY, at(0))
    assert plan == Due(1, T0 - timedelta(minutes=2) + timedelta(seconds=900))


def test_missed_slots_coalesce_into_the_latest_due_one() -> None:
    # Down from before slot 1 until after slot 3: one catch-up nudge, for slot 3, due already.
    assert next_nudge(incident(), EVERY, at(3 * 900 + 100)) == Due(3, at(2700))


def test_after_a_handled_slot_the_next_is_planned() -> None:
    assert next_nudge(incident(), EVERY, at(2700), after_slot=3) == Due(4, at(3600))
    # a stale after_slot never moves the plan backwards
    assert next_nudge(incident(), EVERY, at(2700), after_slot=1) == Due(3, at(2700))


def test_silence_moves_the_next_slot_past_its_end() -> None:
    silenced = incident(silenced_until=at(2000))
    assert next_nudge(silenced, EVERY, at(100)) == Due(3, at(2700))
    assert next_nudge(incident(silenced_until=at(1800)), EVERY, at(100)) == Due(2, at(1800))
    assert next_nudge(incident(silenced_until_resolved=True), EVERY, at(100)) is None
    assert incident(silenced_until=at(50)).nudges_silenced_at(at(49))
    assert not incident(silenced_until=at(50)).nudges_silenced_at(at(50))


def test_window_is_the_interval_before_the_slot() -> None:
    assert nudge_window(Cadence(T0, 900), 2) == (at(900), at(1800))


def test_ic_unclaimed_reminder_only_without_an_ic() -> None:
    assert ic_unclaimed_due(incident(), 300) == at(300)
    assert ic_unclaimed_due(incident(roles={Role.IC: "U1"}), 300) is None
    assert ic_unclaimed_due(incident(status=IncidentStatus.RESOLVED), 300) is None


def test_postmortem_checks_repeat_until_done() -> None:
    resolved = incident(status=IncidentStatus.RESOLVED, resolved_at=T0)
    day2 = 48 * 3600
    assert next_postmortem_check(resolved, day2, at(10)) == Due(1, at(day2))
    assert next_postmortem_check(resolved, day2, at(day2), after_slot=1) == Due(2, at(2 * day2))
    done = resolved.model_copy(update={"postmortem_done_at": at(5)})
    assert next_postmortem_check(done, day2, at(10)) is None
    assert next_postmortem_check(incident(), day2, at(10)) is None


def test_inactivity_counts_from_the_last_activity() -> None:
    assert next_inactive_check(at(500), 86400, at(600)) == Due(1, at(500 + 86400))
    assert next_inactive_check(at(0), 100, at(350), after_slot=3) == Due(4, at(400))


def test_describe_seconds() -> None:
    assert [describe_seconds(s) for s in (0, 5, 90, 900, 7200, 90061)] == [
        "0s",
        "5s",
        "1m 30s",
        "15m",
        "2h",
        "1d 1h",
    ]
