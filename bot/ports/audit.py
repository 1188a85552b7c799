"""AuditLog port: an append-only, per-incident hash chain."""

from __future__ import annotations

from typing import Any, Protocol

from bot.domain.audit import AuditAction, AuditEvent


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
        """Chain a new event onto the incident's log. Idempotent on `event_id`: a second
        append with the same id returns the first event and writes nothing. Safe under
        concurrent appends (threads, processes, replicas)."""

    def events(self, incident_id: str) -> list[AuditEvent]:
        """The incident's events in chain order, read strongly consistent."""

    def incident_ids(self) -> list[str]:
        """Every incident that has at least one event."""
