"""Reminders beside the nudges: IC unclaimed, incident inactive, postmortem due.

Each reminder re-reads the incident, checks it still applies, claims its slot in the store
(so replicas post it once), posts in the war room naming who should act (by DM once the
room is archived), and audits REMINDER_SENT. Texts and delays come from the NudgePolicy
(built from MARSHAL_REMINDER_*).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.audit import AuditAction
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import Mrkdwn, ReminderView
from bot.ports.store import Claims, IncidentsWithTimeline
from bot.services.nudges.messages import mention, responders
from bot.services.nudges.policy import NudgePolicy
from bot.services.nudges.schedule import (
    describe_seconds,
    ic_unclaimed_due,
    inactive_cadence,
    nudge_anchor,
)
from bot.services.slack_text import escape

log = logging.getLogger(__name__)

# Marshal's own bookkeeping does not count as activity on an incident.
_MACHINE_ACTIONS = frozenset(
    {AuditAction.NUDGE_SENT, AuditAction.NUDGE_SKIPPED, AuditAction.REMINDER_SENT}
)
CLAIM_TTL_SECONDS = 14 * 86400


class ReminderKind(StrEnum):
    IC_UNCLAIMED = "ic_unclaimed"
    INACTIVE = "inactive"
    POSTMORTEM_DUE = "postmortem_due"


class ReminderOutcome(StrEnum):
    SENT = "sent"
    NOT_DUE = "not_due"  # no longer applies (IC claimed, activity, postmortem done, closed)
    ALREADY_DONE = "already_done"  # another process (or an earlier run) claimed this slot
    FAILED = "failed"  # Slack refused; audited, and the slot stays claimed


class NudgeStore(IncidentsWithTimeline, Claims, Protocol):
    """What nudges and reminders touch: incidents, their timelines (activity), and claims
    (one post per slot across replicas)."""


class Reminders:
    def __init__(
        self,
        store: NudgeStore,
        audit: AuditLog,
        slack: SlackGateway,
        policy: NudgePolicy,
        *,
        owner: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._audit = audit
        self._slack = slack
        self._policy = policy
        self._owner = owner
        self._clock = clock

    def last_activity(self, incident: Incident) -> datetime:
        """The latest human-driven change: timeline entries and audit events, not our nudges."""
        latest = nudge_anchor(incident)
        for entry in self._store.list_timeline(incident.id):
            latest = max(latest, entry.at)
        for event in self._audit.events(incident.id):
            if event.action not in _MACHINE_ACTIONS:
                latest = max(latest, event.at)
        return latest

    def ic_unclaimed(self, incident_id: str) -> ReminderOutcome:
        incident = self._store.get(incident_id)
        delay = self._policy.ic_unclaimed.after_seconds
        due = ic_unclaimed_due(incident, delay) if incident else None
        if incident is None or due is None or self._clock() < due:
            return ReminderOutcome.NOT_DUE
        text = self._text(
            self._policy.ic_unclaimed.text,
            incident,
            who=responders(incident),
            age=delay,
        )
        return self._send(incident, ReminderKind.IC_UNCLAIMED, 1, text)

    def inactive(self, incident_id: str) -> ReminderOutcome:
        incident = self._store.get(incident_id)
        if incident is None or not incident.is_open or not incident.channel_id:
            return ReminderOutcome.NOT_DUE
        threshold = self._policy.inactive.after_seconds
        quiet_since = self.last_activity(incident)
        now = self._clock()
        slot = inactive_cadence(quiet_since, threshold).slot_at(now)
        if slot < 1:
            return ReminderOutcome.NOT_DUE
        text = self._text(
            self._policy.inactive.text,
            incident,
            who=self._owner_of(incident),
            age=(now - quiet_since).total_seconds(),
        )
        # The quiet period's start is part of the key: new activity starts a new series.
        series = f"{int(quiet_since.timestamp())}:{slot}"
        return self._send(incident, ReminderKind.INACTIVE, series, text)

    def postmortem_due(self, incident_id: str, slot: int) -> ReminderOutcome:
        incident = self._store.get(incident_id)
        if (
            incident is None
            or incident.resolved_at is None
            or incident.postmortem_done_at is not None
            or incident.is_open
        ):
            return ReminderOutcome.NOT_DUE
        every = self._policy.postmortem_due.after_seconds
        if self._clock() < incident.resolved_at + timedelta(seconds=every):
            return ReminderOutcome.NOT_DUE
        text = self._text(
            self._policy.postmortem_due.text,
            incident,
            who=self._owner_of(incident),
            age=every,
        )
        return self._send(incident, ReminderKind.POSTMORTEM_DUE, slot, text)

    def _owner_of(self, incident: Incident) -> str:
        return mention(incident.commander) if incident.commander else responders(incident)

    def _text(self, template: str, incident: Incident, *, who: str, age: float) -> str:
        return template.format(
            who=who,
            title=escape(incident.title),
            id=incident.id,
            age=describe_seconds(age),
            command=self._policy.command,
        )

    def _deliver(
        self, incident: Incident, channel_id: str, message: ReminderView
    ) -> dict[str, object]:
        """Post in the war room. The resolve flow archives it, so a postmortem reminder then
        goes to the IC's DMs (or the on-call's when nobody held the role)."""
        try:
            return {"ts": self._slack.post_message(channel_id, message)}
        except SlackCallFailed as exc:
            people = [incident.commander] if incident.commander else incident.oncall
            recipients = [p for p in people if p and mention(p) != p]  # Slack ids only
            if exc.error != "is_archived" or not recipients:
                raise
        stamps = [self._slack.send_dm(p, message) for p in recipients]
        return {"ts": stamps[0], "dm_to": recipients}

    def _send(
        self, incident: Incident, kind: ReminderKind, slot: int | str, text: str
    ) -> ReminderOutcome:
        key = f"reminder:{kind.value}:{incident.id}:{slot}"
        if not incident.channel_id:
            return ReminderOutcome.NOT_DUE
        if not self._store.claim(key, self._owner, ttl_seconds=CLAIM_TTL_SECONDS):
            return ReminderOutcome.ALREADY_DONE
        message = ReminderView(Mrkdwn(text))
        details: dict[str, object] = {"kind": kind.value, "slot": str(slot), "text": text}
        outcome = ReminderOutcome.SENT
        try:
            details.update(self._deliver(incident, incident.channel_id, message))
        except SlackCallFailed as exc:
            log.warning("reminder not posted", extra={"incident": incident.id, "kind": kind})
            details["error"] = exc.error
            outcome = ReminderOutcome.FAILED
        details["delivered"] = outcome is ReminderOutcome.SENT
        self._audit.append(
            incident.id,
            actor="marshal",
            action=AuditAction.REMINDER_SENT,
            details=details,
            event_id=f"ev-{key.replace(':', '-')}",
        )
        return outcome
