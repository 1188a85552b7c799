"""EventRegistry: one handler per known event type, lookups never raise."""

from __future__ import annotations

import pytest

from bot.events.registry import DuplicateEventHandler, EventRegistry
from bot.ports.queue import EventType, QueueMessage


def _ignore(message: QueueMessage) -> None:
    del message


def test_a_registered_handler_is_found_by_its_event_type_string() -> None:
    registry = EventRegistry()
    registry.register(EventType.ALERT_RECEIVED, _ignore)
    assert registry.handler_for("ALERT_RECEIVED") is _ignore
    assert "ALERT_RECEIVED" in registry
    assert registry.event_types() == ["ALERT_RECEIVED"]


def test_unregistered_and_unknown_types_have_no_handler() -> None:
    registry = EventRegistry()
    registry.register(EventType.ALERT_RECEIVED, _ignore)
    assert registry.handler_for(EventType.ALERT_RESOLVED) is None
    assert registry.handler_for("NO_SUCH_EVENT") is None
    assert "NO_SUCH_EVENT" not in registry


def test_registering_an_event_type_twice_is_an_error() -> None:
    registry = EventRegistry()
    registry.register("ALERT_RECEIVED", _ignore)
    with pytest.raises(DuplicateEventHandler, match="ALERT_RECEIVED"):
        registry.register(EventType.ALERT_RECEIVED, _ignore)


def test_registering_an_unknown_event_type_is_an_error() -> None:
    with pytest.raises(ValueError, match="ALERT_RECIEVED"):
        EventRegistry().register("ALERT_RECIEVED", _ignore)
