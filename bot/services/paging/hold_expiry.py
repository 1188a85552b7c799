"""HoldExpiry: an escalation hold whose time is up ends by itself: the hold is cleared on
the incident (a conditional write, so run_step and the timers of several processors end it
once), audited ESCALATION_RESUMED by marshal, and the room topic no longer says "held until"."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.services.incident_updates import IncidentUpdates
from bot.services.slack_text import escape

log = logging.getLogger(__name__)

MARSHAL = "marshal"


class HoldExpiry:
    def __init__(
        self,
        updates: IncidentUpdates,
        audit: AuditLog,
        slack: SlackGateway,
        clock: Callable[[], datetime],
    ) -> None:
        self._updates = updates
        self._audit = audit
        self._slack = slack
        self._clock = clock

    def end(self, incident: Incident) -> Incident:
        """A hold whose time is up ends by itself: cleared, audited, and the room topic no
        longer says "held until" (run_step and the timer call it; once between them)."""
        state = incident.escalation
        now = self._clock()
        if state is None or state.hold_until is None or state.held_at(now):
            return incident
        until = state.hold_until

        def clear(current: Incident) -> Incident | None:
            st = current.escalation
            if st is None or st.hold_until != until:
                return None
            cleared = st.model_copy(
                update={"hold_until": None, "hold_by": None, "hold_reason": None}
            )
            return current.model_copy(update={"escalation": cleared, "updated_at": now})

        applied = self._updates.apply(incident, clear)
        if not applied.changed:
            return applied.after
        stored = applied.after
        self._audit.append(
            stored.id,
            actor=MARSHAL,
            action=AuditAction.ESCALATION_RESUMED,
            details={"user": MARSHAL, "reason": "the hold ended", "until": until.isoformat()},
            event_id=f"{stored.id}.hold_ended.{until.isoformat()}",
        )
        if stored.channel_id and stored.is_open:
            line = f"{escape(stored.severity.value)} {escape(stored.title)} | Escalation resumed"
            try:
                self._slack.set_topic(stored.channel_id, line[:250])
            except SlackCallFailed as exc:
                log.warning("hold end not shown in the topic: %s", exc.error)
            self._tell(stored, ":arrow_forward: The escalation hold ended; escalation resumed.")
        return stored

    def _tell(self, incident: Incident, text: str) -> None:
        assert incident.channel_id
        try:
            self._slack.post_message(incident.channel_id, text)
        except SlackCallFailed as exc:
            log.warning("hold end not told to the room: %s", exc.error)
