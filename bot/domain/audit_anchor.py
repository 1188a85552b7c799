"""A chain's anchored head: where the chain must end, kept apart from its events.

The head (seq and hash of the chain's last event) is written in the same transaction as the
append, in the incident's record (or, for a chain with no incident such as the workspace's,
in a head record of its own). A chain cut short, or deleted whole, then no longer ends at its
head. The head carries its own HMAC under the audit key, so moving it back to an earlier
event, whose seq and hash anyone can read, needs the key too.
"""

from __future__ import annotations

import hmac
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from bot.domain.audit import AuditEntry, AuditEvent, ChainViolation, chain_event
from bot.domain.audit_keys import AuditKey, AuditKeyring


class AuditHead(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int
    hash: str
    key_id: str
    mac: str


def _message(chain_id: str, seq: int, event_hash: str) -> bytes:
    return f"marshal-audit-head\n{chain_id}\n{seq}\n{event_hash}".encode()


def anchor_head(chain_id: str, event: AuditEvent, key: AuditKey) -> AuditHead:
    """The head to anchor once `event` is the chain's last."""
    return AuditHead(
        seq=event.seq,
        hash=event.hash,
        key_id=key.key_id,
        mac=key.mac(_message(chain_id, event.seq, event.hash)),
    )


def sealed_next(
    previous: AuditEvent | None,
    incident_id: str,
    entry: AuditEntry,
    *,
    key: AuditKey,
    at: datetime,
) -> tuple[AuditEvent, AuditHead]:
    """`entry` as the event after `previous` (None: a chain's first) sealed with `key`, and the
    head that anchors the chain at it: what every backend's append writes."""
    event = chain_event(
        previous,
        incident_id=incident_id,
        actor=entry.actor,
        action=entry.action,
        details=entry.details,
        key=key,
        event_id=entry.event_id,
        at=at,
    )
    return event, anchor_head(incident_id, event, key)


def verify_anchor(
    chain_id: str, events: list[AuditEvent], head: AuditHead | None, keys: AuditKeyring
) -> ChainViolation | None:
    """Whether the chain (already checked link by link) ends exactly at its anchored head."""
    if head is None:
        if not events:
            return None
        return ChainViolation(
            incident_id=chain_id,
            event_id=None,
            seq=len(events),
            reason=f"{len(events)} events but no anchored head (the anchor was removed)",
        )
    key = keys.find(head.key_id)
    if key is None or not hmac.compare_digest(
        key.mac(_message(chain_id, head.seq, head.hash)), head.mac
    ):
        return ChainViolation(
            incident_id=chain_id,
            event_id=None,
            seq=head.seq,
            reason="the anchored head does not verify under the audit keys (forged or moved)",
        )
    if not events:
        return ChainViolation(
            incident_id=chain_id,
            event_id=None,
            seq=head.seq,
            reason=f"no events stored, but the chain's anchored head is #{head.seq} (deleted)",
        )
    last = events[-1]
    if last.seq < head.seq:
        reason = f"the chain ends at #{last.seq} but its anchored head is #{head.seq} (truncated)"
    elif last.seq > head.seq:
        reason = f"events after the anchored head #{head.seq} (added behind the audit log)"
    elif not hmac.compare_digest(last.hash, head.hash):
        reason = "the last event is not the one anchored as the chain's head (replaced)"
    else:
        return None
    return ChainViolation(incident_id=chain_id, event_id=last.event_id, seq=last.seq, reason=reason)
