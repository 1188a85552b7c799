"""Audit events, the per-incident keyed hash chain, and its verification.

Each event carries the hash of the previous event of the same chain and its own hash: an
HMAC-SHA256, under a key kept outside the store (bot/domain/audit_keys.py), over every field.
An edited, removed or reordered event breaks the chain, and without the key nobody can
recompute the hashes of an edited chain. The chain's head (bot/domain/audit_anchor.py) is
anchored apart from the events, so a truncated tail or a deleted chain shows too.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.domain.audit_keys import AuditKey, AuditKeyring
from bot.domain.errors import MarshalError
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
    FOLLOWUP_ADDED = "FOLLOWUP_ADDED"
    FOLLOWUP_DONE = "FOLLOWUP_DONE"
    FOLLOWUP_NOT_DOING = "FOLLOWUP_NOT_DOING"
    DIGEST_PUBLISHED = "DIGEST_PUBLISHED"
    FOLLOWUP_TRACKED = "FOLLOWUP_TRACKED"
    INCIDENTS_CORRELATED = "INCIDENTS_CORRELATED"
    # runbooks and operation runs (issue 19): named as DESIGN.md 3b's audit actions
    RUNBOOK_PREFLIGHT = "runbook.preflight"
    RUNBOOK_START = "runbook.start"
    RUNBOOK_COMPLETED = "runbook.completed"
    RUNBOOK_FAILED = "runbook.failed"
    RUNBOOK_LATE_RESULT = "runbook.late_result"
    RUNBOOK_BREAK_GLASS = "runbook.break_glass"
    RUNBOOK_CANCELLED = "runbook.cancelled"
    CHANGE_MARKED = "change.marked"
    CONSOLE_SIGNED_IN = "CONSOLE_SIGNED_IN"  # someone signed in to the web console
    # the operator API and MCP server (bot/services/operator): tokens, writes, audit packages
    API_TOKEN_CREATED = "API_TOKEN_CREATED"  # noqa: S105 - an action name
    API_TOKEN_REVOKED = "API_TOKEN_REVOKED"  # noqa: S105 - an action name
    OPERATOR_WRITE = "OPERATOR_WRITE"
    AUDIT_PACKAGE_EXPORTED = "AUDIT_PACKAGE_EXPORTED"
    PAGED = "PAGED"  # one target paged (or the page failed: details say `ok`)
    ESCALATED = "ESCALATED"  # an escalation step done, by the timer or by hand
    PAGE_ACKNOWLEDGED = "PAGE_ACKNOWLEDGED"  # escalation stopped by an acknowledgement
    PAGER_SYNCED = "PAGER_SYNCED"  # acknowledge / resolve sent to a paged target
    ESCALATION_HELD = "ESCALATION_HELD"
    ESCALATION_RESUMED = "ESCALATION_RESUMED"
    ROOM_JOINED = "ROOM_JOINED"
    ROOM_ARCHIVED = "ROOM_ARCHIVED"
    ROOM_UNARCHIVED = "ROOM_UNARCHIVED"


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


@dataclass(frozen=True)
class AuditEntry:
    """What one append says: who did what, its details and, when the caller names it, the
    event's id (an append naming a stored event's id is answered with that event)."""

    actor: str
    action: AuditAction
    details: dict[str, Any] | None = None
    event_id: str | None = None


class AuditEvent(BaseModel):
    # Stored events are parsed strictly: a field added or retyped behind marshal's back is
    # tampering, not something to coerce or drop quietly.
    model_config = ConfigDict(extra="forbid", strict=True)

    event_id: str = Field(default_factory=lambda: new_id("ev"))
    incident_id: str
    seq: int = Field(ge=1, description="position in this incident's chain, from 1")
    at: datetime = Field(default_factory=utcnow)
    actor: str
    action: AuditAction
    details: dict[str, Any] = Field(default_factory=dict)
    prev_hash: str = GENESIS_HASH
    key_id: str = Field(default="", description="id of the audit key that sealed this event")
    hash: str = ""

    def compute_hash(self, key: AuditKey) -> str:
        """HMAC-SHA256 under `key` of every field but the hash itself."""
        body = {
            "event_id": self.event_id,
            "incident_id": self.incident_id,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action.value,
            "details": self.details,
            "prev_hash": self.prev_hash,
            "key_id": self.key_id,
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return key.mac(canonical.encode("utf-8"))

    def sealed(self, key: AuditKey) -> AuditEvent:
        signed = self.model_copy(update={"key_id": key.key_id})
        return signed.model_copy(update={"hash": signed.compute_hash(key)})


class CorruptAuditEvent(MarshalError):
    """A stored audit row that is not a valid event (bad JSON, a missing, added or retyped
    field): reported by `marshal audit verify` as tampering with that chain."""

    def __init__(self, chain_id: str, position: str, problem: str) -> None:
        self.chain_id = chain_id
        super().__init__(f"stored event {position} is not a valid audit event ({problem})")


class AuditChainBroken(MarshalError):
    """The chain's anchored head is not its last event (events removed or the anchor moved
    behind marshal's back): nothing more is appended until `marshal audit verify` is read."""

    def __init__(self, chain_id: str) -> None:
        self.chain_id = chain_id
        super().__init__(
            f"the audit chain of {chain_id} does not end at its anchored head; nothing was "
            "appended (run `marshal audit verify`)"
        )


def parse_stored_event(chain_id: str, position: str, data: str) -> AuditEvent:
    """A stored row's event, strictly; `position` names the row in the error (e.g. "#3")."""
    try:
        return AuditEvent.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        problem = f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
        raise CorruptAuditEvent(chain_id, position, problem) from exc


def chain_event(
    previous: AuditEvent | None,
    *,
    incident_id: str,
    actor: str,
    action: AuditAction,
    details: dict[str, Any] | None = None,
    key: AuditKey,
    event_id: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """The next event after `previous` (None for the first), sealed with `key`, secrets
    scrubbed."""
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
    return AuditEvent(**fields).sealed(key)


class ChainViolation(BaseModel):
    incident_id: str
    event_id: str | None
    seq: int
    reason: str

    def __str__(self) -> str:
        where = f"event {self.event_id} (#{self.seq})" if self.event_id else f"position #{self.seq}"
        return f"incident {self.incident_id}: {where}: {self.reason}"


def verify_chain(
    incident_id: str, events: list[AuditEvent], keys: AuditKeyring
) -> ChainViolation | None:
    """The first broken link of one chain, given in stored order, or None."""
    previous: AuditEvent | None = None
    for position, event in enumerate(events, start=1):
        reason = _link_problem(incident_id, position, event, previous, keys)
        if reason is not None:
            return ChainViolation(
                incident_id=incident_id, event_id=event.event_id, seq=position, reason=reason
            )
        previous = event
    return None


def _link_problem(
    chain_id: str,
    position: int,
    event: AuditEvent,
    previous: AuditEvent | None,
    keys: AuditKeyring,
) -> str | None:
    return _place_problem(chain_id, position, event, previous) or _seal_problem(
        event, previous, keys
    )


def _place_problem(
    chain_id: str, position: int, event: AuditEvent, previous: AuditEvent | None
) -> str | None:
    """Is the event where it claims to be: this chain, this position, after this event?"""
    if event.incident_id != chain_id:
        return f"the event belongs to incident {event.incident_id} (moved between chains)"
    if event.seq > position:
        return "an earlier event is missing"
    if event.seq < position:
        return "events are out of order or duplicated"
    if event.prev_hash != (previous.hash if previous else GENESIS_HASH):
        return "previous-hash link does not match the event before it (removed or reordered)"
    return None


def _seal_problem(event: AuditEvent, previous: AuditEvent | None, keys: AuditKeyring) -> str | None:
    """Is the event as it was sealed, under one of the audit keys?"""
    key = keys.find(event.key_id)
    if key is None:
        return (
            f"sealed with an unknown audit key (id {event.key_id or 'none'}); set that key in "
            "MARSHAL_AUDIT_KEY or MARSHAL_AUDIT_KEYS_PREVIOUS"
        )
    if not hmac.compare_digest(event.compute_hash(key), event.hash):
        return "contents do not match the event's keyed hash (edited)"
    if previous is not None and event.at < previous.at:
        return "timestamp earlier than the event before it (reordered)"
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
