"""NudgeSilence: pause an incident's nudges for a while or until resolve, and resume them.

The pause lives on the incident in the store, so every process (and a restarted one) honours
it; both directions are audited. After a change the scheduler is told to re-plan at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.audit import AuditAction
from bot.domain.durations import DAY, parse_duration
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents
from bot.services.nudges.incident_edit import edit_incident
from bot.services.nudges.schedule import describe_seconds

UNTIL_RESOLVED = "until-resolved"
DEFAULT_SILENCE = "30m"
MAX_SILENCE = 7 * DAY  # longer than a week, pause until resolve (or resolve the incident)


@dataclass(frozen=True)
class SilenceLength:
    seconds: int | None  # None: until the incident is resolved

    @classmethod
    def parse(cls, text: str) -> SilenceLength:
        """'30m', '2h', '45s' (at most 7d) or 'until-resolved'; raises DurationError (a
        ValueError) with a usable message."""
        cleaned = text.strip().lower()
        if cleaned in {UNTIL_RESOLVED, "until_resolved", "resolved"}:
            return cls(None)
        return cls(parse_duration(cleaned, maximum=MAX_SILENCE))

    def describe(self) -> str:
        return (
            "until the incident is resolved"
            if self.seconds is None
            else (f"for {describe_seconds(self.seconds)}")
        )


class NudgeSilence:
    def __init__(
        self,
        store: Incidents,
        audit: AuditLog,
        *,
        on_change: Callable[[Incident], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._audit = audit
        self._on_change = on_change
        self._clock = clock

    def silence(
        self, incident_id: str, user_id: str, length: SilenceLength, *, via: str
    ) -> Incident:
        """Pause nudges; raises NotFound / ConcurrentUpdate when the store refused."""
        now = self._clock()
        until = None if length.seconds is None else now + timedelta(seconds=length.seconds)

        def pause(incident: Incident) -> Incident:
            return incident.model_copy(
                update={
                    "silenced_until": until,
                    "silenced_until_resolved": length.seconds is None,
                    "silenced_by": user_id,
                    "updated_at": now,
                }
            )

        incident = edit_incident(self._store, incident_id, pause)
        self._audit.append(
            incident_id,
            actor=user_id,
            action=AuditAction.NUDGES_SILENCED,
            details={
                "until": until.isoformat() if until else None,
                "until_resolved": length.seconds is None,
                "via": via,
            },
        )
        self._changed(incident)
        return incident

    def unsilence(self, incident_id: str, user_id: str, *, via: str) -> tuple[Incident, bool]:
        """Resume nudges; the flag says whether they were paused at all."""
        now = self._clock()
        was_silenced = False

        def resume(incident: Incident) -> Incident:
            nonlocal was_silenced
            was_silenced = incident.nudges_silenced_at(now)
            return incident.model_copy(
                update={
                    "silenced_until": None,
                    "silenced_until_resolved": False,
                    "silenced_by": None,
                    "updated_at": now,
                }
            )

        incident = edit_incident(self._store, incident_id, resume)
        self._audit.append(
            incident_id,
            actor=user_id,
            action=AuditAction.NUDGES_UNSILENCED,
            details={"was_silenced": was_silenced, "via": via},
        )
        self._changed(incident)
        return incident, was_silenced

    def _changed(self, incident: Incident) -> None:
        if self._on_change is not None:
            self._on_change(incident)
