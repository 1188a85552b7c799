"""The scale-out verdicts (tests/aws/scale_out_verdicts.py) pass a healthy deployment's evidence
and fail each way a scaled-out marshal could go wrong: a doubled room, incident, nudge or
assembly, a lost alert, an event left in the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.audit import AuditAction, AuditEvent
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from tests.aws import scale_out_verdicts as verdicts

ASSEMBLED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
EVERY = 2.0


def incident(n: int, **changes: Any) -> Incident:
    base = Incident(
        id=f"inc-{n}",
        source=AlertSource.ALERTMANAGER,
        group_key=f"group-{n}",
        title=f"Shard {n}",
        severity=Severity.P1,
        channel_id=f"C{n}",
        assembled_at=ASSEMBLED,
        alert_count=3,
    )
    return base.model_copy(update=changes)


def event(incident_id: str, seq: int, action: AuditAction) -> AuditEvent:
    return AuditEvent(incident_id=incident_id, seq=seq, actor="marshal", action=action)


def call(method: str, at: float = 0.0, *, ok: bool = True, **args: Any) -> dict[str, Any]:
    return {"method": method, "args": args, "at": at, "ok": ok}


def nudge(channel: str, after_seconds: float) -> dict[str, Any]:
    at = ASSEMBLED.timestamp() + after_seconds
    return call("chat.postMessage", at, channel=channel, text="Status update due for inc (P1)")


def audit_of(n: int, *actions: AuditAction) -> list[AuditEvent]:
    return [event(f"inc-{n}", seq, action) for seq, action in enumerate(actions, start=1)]


ONCE = (AuditAction.WAR_ROOM_CREATED, AuditAction.ASSEMBLY_COMPLETED)


def test_one_incident_per_group() -> None:
    assert verdicts.one_incident_per_group([incident(1), incident(2)], 2).ok
    doubled = verdicts.one_incident_per_group([incident(1), incident(2, group_key="group-1")], 2)
    assert not doubled.ok
    assert "doubled ['group-1']" in doubled.detail
    assert not verdicts.one_incident_per_group([incident(1)], 2).ok


def test_one_room_per_incident() -> None:
    incidents = [incident(1), incident(2)]
    channels = [{"id": "C1", "name": "inc-1"}, {"id": "C2", "name": "inc-2"}]
    created = [call("conversations.create"), call("conversations.create")]
    assert verdicts.one_room_per_incident(incidents, channels, created).ok

    extra_room = [*channels, {"id": "C3", "name": "inc-2-1"}]
    assert not verdicts.one_room_per_incident(incidents, extra_room, created).ok
    created_twice = [*created, call("conversations.create")]
    assert not verdicts.one_room_per_incident(incidents, channels, created_twice).ok
    failed_create = [*created, call("conversations.create", ok=False)]
    assert verdicts.one_room_per_incident(incidents, channels, failed_create).ok
    shared = [incident(1), incident(2, channel_id="C1")]
    assert not verdicts.one_room_per_incident(shared, channels[:1], created).ok
    roomless = [incident(1), incident(2, channel_id=None)]
    assert not verdicts.one_room_per_incident(roomless, channels[:1], created).ok


def test_alerts_counted() -> None:
    incidents = [incident(1), incident(2)]
    assert verdicts.alerts_counted(incidents, {"inc-1": 3, "inc-2": 3}, 6).ok
    lost = verdicts.alerts_counted(incidents, {"inc-1": 3, "inc-2": 4}, 7)
    assert not lost.ok
    assert "miscounted on ['inc-2']" in lost.detail
    refused = verdicts.alerts_counted(incidents, {"inc-1": 3, "inc-2": 3}, 7)
    assert not refused.ok  # one alert was never answered 2xx


def test_assembled_once() -> None:
    assert verdicts.assembled_once({"inc-1": audit_of(1, *ONCE)}).ok
    twice = audit_of(1, *ONCE, AuditAction.ASSEMBLY_COMPLETED)
    assert not verdicts.assembled_once({"inc-1": twice}).ok
    never = audit_of(1, AuditAction.WAR_ROOM_CREATED)
    assert not verdicts.assembled_once({"inc-1": never}).ok


def test_nudges_each_slot_once_and_never_early() -> None:
    incidents = [incident(1)]
    sent = audit_of(1, AuditAction.NUDGE_SENT, AuditAction.NUDGE_SENT)
    on_time = [nudge("C1", 2.1), nudge("C1", 4.05)]
    assert verdicts.nudges_not_doubled(incidents, on_time, {"inc-1": sent}, EVERY).ok

    # Slot 1 late (at +3.9 s) and slot 2 on time: both in slot 2's window, and still fine.
    late = [nudge("C1", 3.9), nudge("C1", 4.0)]
    assert verdicts.nudges_not_doubled(incidents, late, {"inc-1": sent}, EVERY).ok

    doubled = [nudge("C1", 2.1), nudge("C1", 2.2)]  # two nudges where one slot was due
    judged = verdicts.nudges_not_doubled(incidents, doubled, {"inc-1": sent}, EVERY)
    assert not judged.ok
    assert "nudge 2 at +2.20s" in judged.detail

    unaudited = verdicts.nudges_not_doubled(incidents, on_time, {"inc-1": sent[:1]}, EVERY)
    assert not unaudited.ok
    assert "2 nudges posted, 1 audited" in unaudited.detail


def test_nudges_verdict_fails_when_nothing_was_nudged() -> None:
    judged = verdicts.nudges_not_doubled([incident(1)], [], {}, EVERY)
    assert not judged.ok
    assert "no nudge" in judged.detail


def test_queue_drained() -> None:
    assert verdicts.queue_drained(0, 0, 0).ok
    assert not verdicts.queue_drained(1, 0, 0).ok
    assert not verdicts.queue_drained(0, 1, 0).ok
    assert not verdicts.queue_drained(0, 0, 1).ok
    assert str(verdicts.queue_drained(0, 0, 0)).startswith("OK")


def test_reads_sandbox_call_records_as_well_as_their_json() -> None:
    class Record:
        def __init__(self, at: float) -> None:
            self.method, self.ok, self.at = "chat.postMessage", True, at
            self.args = {"channel": "C1", "text": "Status update due for inc-1 (P1)"}

    records = [Record(ASSEMBLED.timestamp() + 2.5)]
    sent = {"inc-1": audit_of(1, AuditAction.NUDGE_SENT)}
    assert verdicts.nudges_not_doubled([incident(1)], records, sent, EVERY).ok
    assert ASSEMBLED + timedelta(seconds=2) < datetime.fromtimestamp(records[0].at, UTC)
