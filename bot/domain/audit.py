"""Audit events, the per-incident hash chain, and its verification.

Each event carries the SHA-256 of the previous event of the same incident and its own
hash over every field, so an edited, removed or reordered event breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from bot.domain.ids import new_id
from bot.domain.models import utcnow

GENESIS_HASH = "0" * 64


class AuditAction(StrEnum):
    INCIDENT_CREATED = "INCIDENT_CREATED"
    ALERT_ATTACHED = "ALERT_ATTACHED"
    ALERT_RESOLVED = "ALERT_RESOLVED"
    STATUS_CHANGED = "STATUS_CHANGED"
    SEVERITY_CHANGED = "SEVERITY_CHANGED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    ROLE_ASSIGNED = "ROLE_ASSIGNED"
    COMMAND_RUN = "COMMAND_RUN"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    TIMELINE_ADDED = "TIMELINE_ADDED"
    TIMELINE_REMOVED = "TIMELINE_REMOVED"
    ASSEMBLY_STARTED = "ASSEMBLY_STARTED"
    ASSEMBLY_STEP_COMPLETED = "ASSEMBLY_STEP_COMPLETED"  # a step with no action of its own
    WAR_ROOM_CREATED = "WAR_ROOM_CREATED"
    RESPONDER_INVITED = "RESPONDER_INVITED"
    RESPONDER_INVITE_FAILED = "RESPONDER_INVITE_FAILED"
    CONTEXT_SNAPSHOT_ATTACHED = "CONTEXT_SNAPSHOT_ATTACHED"
    CHECKLIST_PINNED = "CHECKLIST_PINNED"
    CHECKLIST_ITEM_TICKED = "CHECKLIST_ITEM_TICKED"
    BOOKMARKS_ADDED = "BOOKMARKS_ADDED"
    ANNOUNCED = "ANNOUNCED"
    ASSEMBLY_COMPLETED = "ASSEMBLY_COMPLETED"
    ASSEMBLY_FAILED = "ASSEMBLY_FAILED"
    NUDGE_SENT = "NUDGE_SENT"
    NUDGE_SKIPPED = "NUDGE_SKIPPED"
    NUDGES_SILENCED = "NUDGES_SILENCED"
    NUDGES_UNSILENCED = "NUDGES_UNSILENCED"
    REMINDER_SENT = "REMINDER_SENT"
    STATUS_DRAFT_CREATED = "STATUS_DRAFT_CREATED"
    STATUS_DRAFT_EDITED = "STATUS_DRAFT_EDITED"
    STATUS_DRAFT_REJECTED = "STATUS_DRAFT_REJECTED"
    STATUS_APPROVED = "STATUS_APPROVED"
    STATUS_PUBLISHED = "STATUS_PUBLISHED"
    STATUS_PUBLISH_FAILED = "STATUS_PUBLISH_FAILED"
    RESOLVED = "RESOLVED"
    REOPENED = "REOPENED"
    POSTMORTEM_DRAFTED = "POSTMORTEM_DRAFTED"
    POSTMORTEM_FILED = "POSTMORTEM_FILED"
    RATING_RECORDED = "RATING_RECORDED"
    POSTMORTEM_DONE = "POSTMORTEM_DONE"


_SECRET_KEY = re.compile(
    r"(token|secret|passw(or)?d|api[_-]?key|authori[sz]ation|signature|credential|private[_-]?key|cookie|session)",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def scrub_secrets(value: Any) -> Any:
    """Replace values under secret-looking keys, at any depth, before anything is written."""
    if isinstance(value, dict):
        return {
            k: REDACTED if isinstance(k, str) and _SECRET_KEY.search(k) else scrub_secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub_secrets(v) for v in value]
    return value


class AuditEvent(BaseModel):
    event_id: str = Field(default_factory=lambda: new_id("ev"))
    incident_id: str
    seq: int = Field(ge=1, description="position in this incident's chain, from 1")
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: AuditAction
    details: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    hash: str = ""

    def compute_hash(self) -> str:
        body = {
            "event_id": self.event_id,
            "incident_id": self.incident_id,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action.value,
            "details": self.details,
            "prev_hash": self.prev_hash,
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def sealed(self) -> AuditEvent:
        return self.model_copy(update={"hash": self.compute_hash()})


def chain_event(
    previous: AuditEvent | None,
    *,
    incident_id: str,
    actor: str,
    action: AuditAction,
    details: dict[str, Any] | None = None,
    event_id: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """The next sealed event after `previous` (None for the first), secrets scrubbed."""
    fields: dict[str, Any] = {
        "incident_id": incident_id,
        "seq": previous.seq + 1 if previous else 1,
        "actor": actor,
        "action": action,
        "details": scrub_secrets(details or {}),
        "prev_hash": previous.hash if previous else GENESIS_HASH,
    }
    if event_id:
        fields["event_id"] = event_id
    when = at or utcnow()
    # The chain's timestamps never go backwards, even when the writer's clock lags a replica's.
    fields["at"] = max(when, previous.at) if previous else when
    return AuditEvent(**fields).sealed()


class ChainViolation(BaseModel):
    incident_id: str
    event_id: str | None
    seq: int
    reason: str

    def __str__(self) -> str:
        where = f"event {self.event_id} (#{self.seq})" if self.event_id else f"position #{self.seq}"
        return f"incident {self.incident_id}: {where}: {self.reason}"


def verify_chain(incident_id: str, events: list[AuditEvent]) -> ChainViolation | None:
    """The first broken link of one incident's chain, given in stored order, or None."""
    prev_hash = GENESIS_HASH
    last_at: datetime | None = None
    for position, event in enumerate(events, start=1):
        if event.seq != position:
            reason = (
                "an earlier event is missing"
                if event.seq > position
                else "events are out of order or duplicated"
            )
            return ChainViolation(
                incident_id=incident_id, event_id=event.event_id, seq=position, reason=reason
            )
        if event.prev_hash != prev_hash:
            return ChainViolation(
                incident_id=incident_id,
                event_id=event.event_id,
                seq=position,
                reason="previous-hash link does not match the event before it "
                "(removed or reordered)",
            )
        if event.compute_hash() != event.hash:
            return ChainViolation(
                incident_id=incident_id,
                event_id=event.event_id,
                seq=position,
                reason="contents do not match the event's hash (edited)",
            )
        if last_at and event.at < last_at:
            return ChainViolation(
                incident_id=incident_id,
                event_id=event.event_id,
                seq=position,
                reason="timestamp earlier than the event before it (reordered)",
            )
        prev_hash, last_at = event.hash, event.at
    return None


def verify_publishes(incident_id: str, events: list[AuditEvent]) -> ChainViolation | None:
    """Every STATUS_PUBLISHED must follow a STATUS_APPROVED of the same draft id and body hash."""
    approved: set[tuple[str, str]] = set()
    for event in events:
        key = (str(event.details.get("draft_id")), str(event.details.get("body_sha256")))
        if event.action is AuditAction.STATUS_APPROVED:
            approved.add(key)
        elif event.action is AuditAction.STATUS_PUBLISHED and key not in approved:
            return ChainViolation(
                incident_id=incident_id,
                event_id=event.event_id,
                seq=event.seq,
                reason=f"status page publish of draft {key[0]} without a matching earlier "
                "approval (same draft id and body hash)",
            )
    return None
