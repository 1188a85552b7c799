"""One error hierarchy for the domain; adapters translate their failures into these."""

from __future__ import annotations

from typing import Any


class MarshalError(Exception):
    """Base of every error marshal raises on purpose."""


class IllegalTransition(MarshalError):
    def __init__(
        self,
        incident_id: str,
        current: str,
        requested: str,
        allowed: list[str],
        *,
        subject: str = "incident",
    ) -> None:
        self.incident_id = incident_id  # the id of the record that was asked to move
        self.current = current
        self.requested = requested
        self.allowed = allowed
        choices = ", ".join(allowed) if allowed else "none (final state)"
        super().__init__(
            f"{subject} {incident_id} cannot move from {current} to {requested}; "
            f"allowed next states: {choices}"
        )


class ConcurrentUpdate(MarshalError):
    """A conditional write lost: someone else changed the record first. Carries the current one."""

    def __init__(self, message: str, current: Any | None = None) -> None:
        self.current = current
        super().__init__(message)


class NotFound(MarshalError):
    pass


class BackendUnavailable(MarshalError):
    """The store or queue cannot be reached right now; callers answer 503 / retry later."""


class ConfigurationError(MarshalError):
    """A setting is missing or wrong; the message names the variable."""
