"""What the resolve flow needs from other parts, as small Protocols the wiring fills in:
the nudge scheduler (stop nudges, schedule the postmortem-due check), the status-page
review (draft the public resolution) and a people lookup (the IC's email, for the tracker)."""

from __future__ import annotations

from typing import Protocol

from bot.domain.models import Incident, StatusPageDraft


class NudgeControl(Protocol):
    def stop_nudges(self, incident_id: str) -> None:
        """No more status-update nudges for this incident."""

    def resume_nudges(self, incident_id: str) -> None:
        """The incident is open again (a reopen): plan its nudges and reminders again."""


class SlaScheduler(Protocol):
    def schedule_postmortem_due(self, incident: Incident) -> None:
        """Plan the postmortem-due reminder (48 h after resolve by default)."""


class PublicResolution(Protocol):
    def resolve_public_incident(self, incident: Incident, user_id: str) -> StatusPageDraft | None:
        """Draft the public incident's resolution for approval; None when nothing was published."""


class PeopleLookup(Protocol):
    def email_of(self, user_id: str) -> str | None: ...
