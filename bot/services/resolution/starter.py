"""ResolutionStarter: resolve (or reopen) an incident now and queue the slow steps.

Resolving writes the state, the timestamps, a fresh resolution id and the INCIDENT_RESOLVED
outbox event in one atomic conditional update (the store releases the group key), audits
RESOLVED, then hands the event to the queue: if the queue is down, or the process dies
before it could, the outbox relay sends it later. The flow skips
events whose resolution id is not the incident's current one, so a reopen cancels it.
Asking again for an incident already resolved but whose steps are unfinished re-queues
them (a retry resumes); reopening clears the resolution so the next resolve starts afresh.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.audit import AuditAction
from bot.domain.errors import BackendUnavailable
from bot.domain.ids import new_id
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.queue import EventType, Queue
from bot.ports.store import IncidentsWithOutbox, OutboxEvent
from bot.services import slack_text
from bot.services.incident_updates import IncidentUpdates
from bot.services.outbox_relay import deliver
from bot.services.resolution.hooks import NudgeControl
from bot.services.resolution.steps import is_complete

log = logging.getLogger(__name__)

MARSHAL = "marshal"  # `resolved_by` when marshal itself resolved (MARSHAL_AUTO_RESOLVE)


def describe_resolver(user_id: str | None) -> str:
    """Who resolved it, as Slack text: a mention, except marshal, which is no Slack user."""
    return slack_text.user(user_id) if user_id and user_id != MARSHAL else MARSHAL


class Started(StrEnum):
    RESOLVED = "resolved"
    RESUMED = "resumed"  # already resolved; its unfinished steps were queued again
    ALREADY_DONE = "already_done"  # resolved and every step finished
    NOT_RESOLVABLE = "not_resolvable"  # closed


@dataclass(frozen=True)
class StartOutcome:
    outcome: Started
    incident: Incident
    queued: bool = True  # False: left in the outbox for the relay (queue unavailable)


class ResolutionStarter:
    def __init__(
        self,
        store: IncidentsWithOutbox,
        audit: AuditLog,
        queue: Queue,
        *,
        archive_on_resolve: bool,
        nudges: NudgeControl | None = None,
    ) -> None:
        self._store = store
        self._updates = IncidentUpdates(store)
        self._audit = audit
        self._queue = queue
        self._archive = archive_on_resolve
        self._nudges = nudges

    def resolve(self, incident: Incident, user_id: str, summary: str | None) -> StartOutcome:
        if incident.status is IncidentStatus.CLOSED:
            return StartOutcome(Started.NOT_RESOLVABLE, incident, queued=False)
        if incident.status is IncidentStatus.RESOLVED:
            if is_complete(incident, archive=self._archive):
                return StartOutcome(Started.ALREADY_DONE, incident, queued=False)
            return StartOutcome(Started.RESUMED, incident, self._requeue(incident))
        resolution_id = new_id("res")
        event = _resolved_event(incident.id, resolution_id)

        def to_resolved(current: Incident) -> Incident | None:
            if not current.is_open:
                return None  # someone else resolved it first; theirs stands
            return current.transition(IncidentStatus.RESOLVED).model_copy(
                update={
                    "resolution_id": resolution_id,
                    "resolved_by": user_id,
                    "resolution_summary": (summary or "").strip() or None,
                    "resolution": {},
                }
            )

        applied = self._updates.apply(incident, to_resolved, events=[event])
        stored = applied.after
        if not applied.changed:
            return self.resolve(stored, user_id, summary)
        self._audit.append(
            stored.id,
            actor=user_id,
            action=AuditAction.RESOLVED,
            details={
                "user": user_id,
                "from": applied.before.status.value,
                "summary": stored.resolution_summary,
                "resolution_id": resolution_id,
            },
            event_id=f"{stored.id}.resolved.{resolution_id}",
        )
        return StartOutcome(Started.RESOLVED, stored, self._deliver(event, stored))

    def reopen(self, incident: Incident, user_id: str) -> Incident:
        """resolved -> investigating; raises IllegalTransition from any other state."""

        def to_investigating(current: Incident) -> Incident:
            return current.transition(IncidentStatus.INVESTIGATING).model_copy(
                update={"resolution_id": None, "resolution": {}, "resolved_by": None}
            )

        applied = self._updates.apply(incident, to_investigating)
        stored = applied.after
        self._audit.append(
            stored.id,
            actor=user_id,
            action=AuditAction.REOPENED,
            details={"user": user_id, "cancelled_resolution": applied.before.resolution_id},
        )
        if self._nudges is not None:
            self._nudges.resume_nudges(stored.id)
        return stored

    def _requeue(self, incident: Incident) -> bool:
        """The steps of a resolve already recorded: a new event for the same resolution (no
        state change goes with it, so the outbox write stands alone)."""
        event = _resolved_event(incident.id, incident.resolution_id)
        self._store.add_outbox(event)
        return self._deliver(event, incident)

    def _deliver(self, event: OutboxEvent, incident: Incident) -> bool:
        try:
            deliver(self._store, self._queue, event)
        except BackendUnavailable as exc:
            log.warning(
                "resolve flow queued for the relay: %s", exc, extra={"incident": incident.id}
            )
            return False
        return True


def _resolved_event(incident_id: str, resolution_id: str | None) -> OutboxEvent:
    return OutboxEvent(
        event_id=new_id("evt"),
        incident_id=incident_id,
        event_type=EventType.INCIDENT_RESOLVED.value,
        payload={"resolution_id": resolution_id},
        created_at=utcnow(),
    )
