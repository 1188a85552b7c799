"""StatusPage port: the public status page (Statuspage.io), in domain words.

Read methods may be called from anywhere. The write methods (`create_incident`,
`update_incident`, `set_component_status`) may be called ONLY from `bot/gates/`:
tests/gates/test_only_gate_publishes.py fails the build otherwise.

Every public incident marshal writes carries a marker in its metadata
(`{"marshal": {"incident_id": ..., "draft_id": ...}}`) so a retry after an ambiguous
failure (timeout, 5xx after the server acted) finds and adopts what was already written.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, Field

from bot.domain.errors import MarshalError
from bot.domain.models import PublicStatus

MARKER_KEY = "marshal"


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"


class PublishMarker(BaseModel):
    """Which marshal incident and draft a public incident (or its latest update) came from."""

    incident_id: str
    draft_id: str

    def as_metadata(self) -> dict[str, dict[str, str]]:
        return {MARKER_KEY: {"incident_id": self.incident_id, "draft_id": self.draft_id}}

    @classmethod
    def from_metadata(cls, metadata: object) -> PublishMarker | None:
        if not isinstance(metadata, dict):
            return None
        found = metadata.get(MARKER_KEY)
        if not isinstance(found, dict):
            return None
        incident_id, draft_id = found.get("incident_id"), found.get("draft_id")
        if isinstance(incident_id, str) and isinstance(draft_id, str):
            return cls(incident_id=incident_id, draft_id=draft_id)
        return None


class PublicIncident(BaseModel):
    id: str
    name: str
    status: PublicStatus
    shortlink: str | None = None
    marker: PublishMarker | None = None
    updates: list[str] = Field(default_factory=list, description="update bodies, newest first")


class StatusPageError(MarshalError):
    """A status page call failed. `retryable` is False for answers a retry cannot change
    (401, 404, 422); the message says what the status page said, never the key."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool) -> None:
        self.status = status
        self.retryable = retryable
        super().__init__(message)


class StatusPage(Protocol):
    def find_incident(self, *, incident_id: str) -> PublicIncident | None:
        """The newest recent public incident whose marker names marshal incident
        `incident_id`, if any."""

    def get_incident(self, public_id: str) -> PublicIncident: ...

    def create_incident(
        self, *, name: str, body: str, status: PublicStatus, marker: PublishMarker
    ) -> PublicIncident:
        """Create a public incident. Idempotent on `marker.draft_id`: a retry after an
        ambiguous failure returns the incident the first attempt created. GATE ONLY."""

    def update_incident(
        self, public_id: str, *, body: str, status: PublicStatus, marker: PublishMarker
    ) -> PublicIncident:
        """Post an update (new status + body) to a public incident; idempotent on
        `marker.draft_id` like `create_incident`. GATE ONLY."""

    def set_component_status(self, component_id: str, status: ComponentStatus) -> None:
        """GATE ONLY."""
