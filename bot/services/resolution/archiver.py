"""RoomArchiver: archives a resolved incident's room once MARSHAL_ARCHIVE_AFTER has passed.

The grace leaves the room usable after a resolve: people rate the response, read the
postmortem link and can `/marshal reopen`. Nothing is kept in memory: the due time is the
stored `resolved_at` plus the grace, the NudgeScheduler plans the job from the store on
every start (so a restart keeps it), the firing is claimed per resolution so replicas
archive once, and a reopen cancels it (the incident is no longer resolved, and its
resolution id, part of the claim, is gone).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackGateway
from bot.ports.store import Claims, Incidents
from bot.services.resolution.steps import ResolutionStep, is_complete
from bot.services.steps.ledger import IncidentLedger, StepBook

log = logging.getLogger(__name__)

ACTOR = "marshal"


# A claim outlives a failed archive call only this long, so the next try can take it.
CLAIM_SECONDS = 120


class ArchiveStore(Incidents, Claims, Protocol):
    """Incidents to read and record on, and the claim that makes one process archive."""


class Archived(StrEnum):
    ARCHIVED = "archived"
    NOT_DUE = "not_due"  # reopened, already archived, no room, or the grace not over
    WAITING = "waiting"  # the resolve flow still has steps to finish in the room
    CLAIMED = "claimed"  # another process archives it


def archive_due_at(incident: Incident, grace_seconds: int) -> datetime | None:
    """When the room of this resolved incident is to be archived; None when never (open,
    no room, or archived already)."""
    if incident.status is not IncidentStatus.RESOLVED or incident.resolved_at is None:
        return None
    if not incident.channel_id or ResolutionStep.ARCHIVE.value in incident.resolution:
        return None
    return incident.resolved_at + timedelta(seconds=grace_seconds)


class RoomArchiver:
    def __init__(
        self,
        store: ArchiveStore,
        audit: AuditLog,
        slack: SlackGateway,
        *,
        grace_seconds: int,
        owner: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._audit = audit
        self._slack = slack
        self.grace_seconds = grace_seconds
        self._owner = owner
        self._clock = clock

    def archive_if_due(self, incident_id: str) -> Archived:
        incident = self._store.get(incident_id, consistent=True)
        due = archive_due_at(incident, self.grace_seconds) if incident else None
        if incident is None or due is None or self._clock() < due:
            return Archived.NOT_DUE
        if not is_complete(incident, archive=False):
            return Archived.WAITING
        key = f"archive:{incident.id}:{incident.resolution_id}"
        if not self._store.claim(key, self._owner, ttl_seconds=CLAIM_SECONDS):
            return Archived.CLAIMED
        channel_id = incident.channel_id
        assert channel_id is not None  # archive_due_at said there is a room
        self._slack.archive(channel_id)
        IncidentLedger(self._store, incident).record_step(
            ResolutionStep.ARCHIVE.value,
            done_at=self._clock(),
            seconds=0.0,
            detail={"channel_id": channel_id, "after_seconds": self.grace_seconds},
            book=StepBook.RESOLUTION,
        )
        self._audit.append(
            incident.id,
            actor=ACTOR,
            action=AuditAction.ROOM_ARCHIVED,
            details={"channel_id": channel_id, "after_seconds": self.grace_seconds},
            event_id=f"{incident.id}.{incident.resolution_id}.archived",
        )
        log.info("archived the room of %s after the grace", incident.id)
        return Archived.ARCHIVED
