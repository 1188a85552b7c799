"""Which AlertLedger and OutboxMarks the intake uses: the backend's own single-commit ledger
when the store and audit log are that backend's adapters, else SeparateWrites."""

from __future__ import annotations

from bot.adapters.sqlite.alert_ledger import SqliteAlertLedger
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.sqlite.local_queue import LocalQueue
from bot.ports.alert_ledger import AlertLedger, OutboxMarks, RecordsTogether
from bot.services.alert_ledger import MarkedAtOnce, SeparateWrites
from bot.wiring.backends import Backends
from bot.wiring.process import ProcessGroup


def build_alert_ledger(group: ProcessGroup, backends: Backends) -> tuple[AlertLedger, OutboxMarks]:
    store, audit, queue = backends.store, backends.audit, backends.queue
    if isinstance(store, SqliteIncidentStore) and isinstance(audit, SqliteAuditLog):
        local = queue if isinstance(queue, LocalQueue) else None
        return SqliteAlertLedger(store, audit, local), MarkedAtOnce(store)
    dynamo = _dynamo_ledger(group, backends)
    if dynamo is not None:
        return dynamo
    return SeparateWrites(store, audit), MarkedAtOnce(store)


def records_together(ledger: AlertLedger) -> RecordsTogether | None:
    """The ledger, when a batch of webhook requests can be held in one of its commits: only
    where its record is the whole write, since an outbox mark or a queue send after it would
    open a second transaction inside the held one."""
    if isinstance(ledger, SqliteAlertLedger) and ledger.records_whole:
        return ledger
    return None


def _dynamo_ledger(
    group: ProcessGroup, backends: Backends
) -> tuple[AlertLedger, OutboxMarks] | None:
    if not type(backends.store).__module__.startswith("bot.adapters.dynamodb"):
        return None  # and the AWS SDK stays unloaded
    from bot.adapters.dynamodb.alert_ledger import (  # noqa: PLC0415 - the AWS SDK on demand
        DynamoAlertLedger,
        DynamoOutboxMarks,
    )
    from bot.adapters.dynamodb.audit_log import DynamoAuditLog  # noqa: PLC0415
    from bot.adapters.dynamodb.incident_store import DynamoIncidentStore  # noqa: PLC0415

    store, audit = backends.store, backends.audit
    if not isinstance(store, DynamoIncidentStore) or not isinstance(audit, DynamoAuditLog):
        return None
    marks = DynamoOutboxMarks(store.single_table)
    group.started("outbox-marks", marks.stop)
    return DynamoAlertLedger(store, audit), marks
