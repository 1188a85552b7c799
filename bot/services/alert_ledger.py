"""SeparateWrites: the AlertLedger for any IncidentStore and AuditLog, one write after another.

The store's ingest commits first, then the audit append (idempotent on its event id), so a
process killed in between leaves an unaudited notification that the sender's re-send audits.
The backends' own ledgers (bot/adapters/sqlite/alert_ledger.py,
bot/adapters/dynamodb/alert_ledger.py) put both in one commit instead; this one serves stores
without one (the services' tests wire it with the real adapters).
"""

from __future__ import annotations

from bot.domain.models import Alert, Incident
from bot.ports.alert_ledger import IntakeAudit
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents, Intake, Outbox, OutboxEvent


class SeparateWrites:
    def __init__(self, store: Incidents, audit: AuditLog) -> None:
        self._store = store
        self._audit = audit

    def record(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent, audit: IntakeAudit
    ) -> Intake | None:
        intake = self._store.ingest(alert, new_incident, event)
        if intake is not None:
            # re-sends append too: see the module docstring
            self._audit.append(
                intake.incident.id,
                actor=audit.actor,
                action=audit.action(alert, intake),
                details=audit.details,
                event_id=audit.event_id(intake),
            )
        return intake


class MarkedAtOnce:
    """OutboxMarks that mark the outbox event sent in the store before the request answers."""

    def __init__(self, store: Outbox) -> None:
        self._store = store

    def sent(self, event: OutboxEvent, alert: Alert | None = None) -> None:
        self._store.mark_outbox_sent(event.event_id)
