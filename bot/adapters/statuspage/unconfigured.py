"""UnconfiguredStatusPage: the StatusPage port when STATUSPAGE_API_KEY / _PAGE_ID are unset.

Drafting and review still work; every status page call fails loudly with the setting to
fix, so a publish attempt leaves the draft approved and retryable, and the room is told.
"""

from __future__ import annotations

from bot.domain.models import PublicStatus
from bot.ports.status_page import ComponentStatus, PublicIncident, PublishMarker, StatusPageError

NOT_CONFIGURED = "the status page is not configured: set STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID"


class UnconfiguredStatusPage:
    def find_incident(self, *, incident_id: str) -> PublicIncident | None:
        raise StatusPageError(NOT_CONFIGURED, retryable=False)

    def get_incident(self, public_id: str) -> PublicIncident:
        raise StatusPageError(NOT_CONFIGURED, retryable=False)

    def create_incident(
        self, *, name: str, body: str, status: PublicStatus, marker: PublishMarker
    ) -> PublicIncident:
        raise StatusPageError(NOT_CONFIGURED, retryable=False)

    def update_incident(
        self, public_id: str, *, body: str, status: PublicStatus, marker: PublishMarker
    ) -> PublicIncident:
        raise StatusPageError(NOT_CONFIGURED, retryable=False)

    def set_component_status(self, component_id: str, status: ComponentStatus) -> None:
        raise StatusPageError(NOT_CONFIGURED, retryable=False)
