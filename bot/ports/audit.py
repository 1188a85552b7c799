"""AuditLog port: append-only, keyed hash chains, one per incident, each with an anchored head."""

from __future__ import annotations

from typing import Any, Protocol

from bot.domain.audit import AuditAction, AuditEvent
from bot.domain.audit_anchor import AuditHead


class AuditLog(Protocol):
    def append(
        self,
        incident_id: str,
        *,
        actor: str,
        action: AuditAction,
        details: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> AuditEvent:
        """Chain a new event onto the incident's log, sealed with the current audit key, and
        anchor the chain's new head in the incident's record (a head record of its own when
        no incident record exists, e.g. the workspace chain) in the same transaction, without
        touching the incident's version. Idempotent on `event_id`: a second append with the
        same id returns the first event and writes nothing. Safe under concurrent appends
        (threads, processes, replicas)."""

    def events(self, incident_id: str) -> list[AuditEvent]:
        """The incident's events in chain order, read strongly consistent and parsed
        strictly; raises CorruptAuditEvent for a stored row that is not a valid event."""

    def head(self, incident_id: str) -> AuditHead | None:
        """The chain's anchored head (from the incident record, else its own head record),
        read strongly consistent; None when nothing was ever anchored."""

    def incident_ids(self) -> list[str]:
        """Every chain that has at least one event."""

    def headed_chain_ids(self) -> list[str]:
        """Every chain anchored in a head record of its own (no incident record when it was
        anchored), e.g. the workspace chain."""
