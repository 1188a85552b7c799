"""ALERT_RECEIVED: a room at or above the threshold, one triage notice below it, none when done."""

from __future__ import annotations

from bot.domain.lifecycle import IncidentStatus
from bot.domain.severity import Severity
from bot.events.alert_received import AlertReceivedHandler
from bot.ports.queue import EventType, QueueMessage
from tests.services.war_room.conftest import WarRoomKit

TRIAGE = "C0TRIAGE"


def _handler(kit: WarRoomKit) -> AlertReceivedHandler:
    return AlertReceivedHandler(
        kit.assembler(),
        kit.store,
        kit.slack,
        war_room_threshold=Severity.P2,
        triage_channel=TRIAGE,
    )


def _message(incident_id: str) -> QueueMessage:
    return QueueMessage(
        event_id=f"ev-{incident_id}",
        event_type=EventType.ALERT_RECEIVED.value,
        incident_id=incident_id,
    )


def test_p2_gets_a_room(kit: WarRoomKit) -> None:
    incident = kit.new_incident(severity=Severity.P2)
    _handler(kit)(_message(incident.id))
    stored = kit.store.get(incident.id)
    assert stored is not None and stored.status is IncidentStatus.INVESTIGATING
    assert stored.channel_id is not None


def test_p3_gets_one_triage_notice_even_when_redelivered(kit: WarRoomKit) -> None:
    incident = kit.new_incident(severity=Severity.P3)
    handler = _handler(kit)
    handler(_message(incident.id))
    handler(_message(incident.id))
    notices = [m for m in kit.sandbox.workspace.channel(TRIAGE).messages if incident.id in m.text]
    assert len(notices) == 1 and "needs triage" in notices[0].text
    stored = kit.store.get(incident.id)
    assert stored is not None and stored.channel_id is None
    assert kit.calls("conversations.create") == 0


def test_a_resolved_incident_is_left_alone(kit: WarRoomKit) -> None:
    incident = kit.new_incident()
    resolved = kit.store.update(
        incident.transition(IncidentStatus.RESOLVED), expected_version=incident.version
    )
    _handler(kit)(_message(resolved.id))
    assert kit.calls("conversations.create") == 0 and kit.calls("chat.postMessage") == 0
