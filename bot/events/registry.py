"""EventRegistry: which handler runs for which queue event type. No discovery, no magic.

Adding an event is one module exporting a handler factory plus one line where the
registry is built: `registry.register(EventType.ALERT_RECEIVED, alert_received(deps))`.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.ports.queue import EventType, QueueMessage

EventHandler = Callable[[QueueMessage], None]


class DuplicateEventHandler(ValueError):
    """An event type was registered twice: a wiring bug, caught at start-up."""


class EventRegistry:
    def __init__(self) -> None:
        self._handlers: dict[EventType, EventHandler] = {}

    def register(self, event_type: EventType | str, handler: EventHandler) -> None:
        """Raise ValueError for an event type marshal does not know, or one already taken."""
        known = EventType(event_type)
        if known in self._handlers:
            raise DuplicateEventHandler(f"a handler for {known} is already registered")
        self._handlers[known] = handler

    def handler_for(self, event_type: str) -> EventHandler | None:
        """None for an unknown or unregistered type: the caller dead-letters the message."""
        try:
            return self._handlers.get(EventType(event_type))
        except ValueError:
            return None

    def event_types(self) -> list[str]:
        return sorted(self._handlers)

    def __contains__(self, event_type: object) -> bool:
        return isinstance(event_type, str) and self.handler_for(event_type) is not None
