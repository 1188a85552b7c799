"""NudgePoster: posts one nudge slot in a war room, once across replicas, or says why not.

The scheduler (scheduler.py) decides when a slot is due; this claims the slot, looks for a
status update already posted in the slot's window, posts the nudge, and audits NUDGE_SENT or
NUDGE_SKIPPED with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.services.nudges.classifier import (
    StatusUpdateClassifier,
    UpdateEvidence,
    find_status_update,
)
from bot.services.nudges.messages import commander_or_hint, nudge_view
from bot.services.nudges.policy import NudgePolicy
from bot.services.nudges.reminders import NudgeStore
from bot.services.nudges.schedule import describe_seconds, nudge_cadence, nudge_window

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "marshal"


class NudgeOutcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # audited NUDGE_SKIPPED with the reason
    CLAIMED_ELSEWHERE = "claimed_elsewhere"  # another process (or run) owns this slot
    NOT_APPLICABLE = "not_applicable"  # resolved, no room, no interval for the severity


class NudgePoster:
    def __init__(
        self,
        store: NudgeStore,
        audit: AuditLog,
        slack: SlackGateway,
        policy: NudgePolicy,
        *,
        classifier: StatusUpdateClassifier,
        owner: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._audit = audit
        self._slack = slack
        self._policy = policy
        self._classifier = classifier
        self._owner = owner
        self._clock = clock

    def post(self, incident_id: str, incident: Incident | None, slot: int) -> NudgeOutcome:
        """Post nudge `slot` unless it does not apply, another process claimed it, or the room
        already had an update in its window (audited as skipped, with the reason)."""
        cadence = nudge_cadence(incident, self._policy.intervals) if incident else None
        if incident is None or cadence is None:
            return NudgeOutcome.NOT_APPLICABLE
        ttl = cadence.every_seconds * 2 + 86400
        if not self._store.claim(f"nudge:{incident_id}:{slot}", self._owner, ttl_seconds=ttl):
            return NudgeOutcome.CLAIMED_ELSEWHERE
        start, end = nudge_window(cadence, slot)
        now = self._clock()
        reason = self._skip_reason(incident, start, max(end, now))
        details: dict[str, Any] = {
            "slot": slot,
            "due": end.isoformat(),
            "window_start": start.isoformat(),
        }
        if reason is None:
            message = nudge_view(
                incident,
                every=describe_seconds(cadence.every_seconds),
                command=self._policy.command,
            )
            try:
                details["ts"] = self._slack.post_message(str(incident.channel_id), message)
            except SlackCallFailed as exc:
                reason = f"posting the nudge failed: {exc.error}"
        if reason is not None:
            details["reason"] = reason
            self._audit_nudge(incident_id, AuditAction.NUDGE_SKIPPED, slot, details)
            return NudgeOutcome.SKIPPED
        details["who"] = commander_or_hint(incident, self._policy.command)
        self._audit_nudge(incident_id, AuditAction.NUDGE_SENT, slot, details)
        return NudgeOutcome.SENT

    def _skip_reason(self, incident: Incident, start: datetime, end: datetime) -> str | None:
        if incident.nudges_silenced_at(end):
            until = (
                "resolve"
                if incident.silenced_until_resolved
                else str(incident.silenced_until and incident.silenced_until.isoformat())
            )
            return f"silenced by {incident.silenced_by or 'someone'} until {until}"
        try:
            evidence: UpdateEvidence | None = find_status_update(
                incident,
                start,
                end,
                store=self._store,
                slack=self._slack,
                classifier=self._classifier,
            )
        except SlackCallFailed as exc:
            # Better one nudge too many than a silent room: read failures mean "no update".
            log.warning("channel history unreadable", extra={"error": exc.error})
            evidence = None
        return f"update already posted: {evidence.reason}" if evidence else None

    def _audit_nudge(
        self, incident_id: str, action: AuditAction, slot: int, details: dict[str, Any]
    ) -> None:
        self._audit.append(
            incident_id,
            actor=SYSTEM_ACTOR,
            action=action,
            details=details,
            event_id=f"ev-nudge-{incident_id}-{slot}",
        )
