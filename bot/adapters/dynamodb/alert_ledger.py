"""DynamoAlertLedger: a fresh alert is one TransactWriteItems, a re-send one call (issue 17).

The first notification of a group writes, in one transaction: its dedup record, the group's
claim, the new incident (carrying its audit chain's anchored head), the outbox event and the
audit event with its id marker. It is written first and asked second: the dedup record and
group claim are conditional puts that hand the stored items back when they fail (ALL_OLD),
so a re-send costs that one cancelled transaction and is answered from what it returns:
the dedup record keeps the incident and outbox event as its notification left them, and a
group claim naming the record's incident means that incident is still open (closing an
incident releases its claim in the same transaction), so the re-send is no recurrence.
Everything else (a resolve, a recurrence, a lost race) takes the store's read-then-write
`ingest` and the audit log's append, as before.

What this process answered lately (recent_intake.py) turns "write first" into "read first"
where the write would be refused: a re-send it has answered is one BatchGetItem, and a new
notification of a group it knows the holder of goes straight to the join.

DynamoOutboxMarks marks events sent off the request path, in a background thread: the
outbox event, then its dedup record (`outbox_sent_at`, so a re-send knows it needs no
enqueue), one conditional UpdateItem each. A process that dies before the first leaves the
event pending, and the OutboxRelay sends it again; one that dies between them leaves a record
without the mark, and its next re-send enqueues again. Either way SQS FIFO drops the copy by
its deduplication id.
"""

from __future__ import annotations

import logging
import queue
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.adapters.dynamodb.audit_anchor import head_attributes, head_of
from bot.adapters.dynamodb.audit_log import DynamoAuditLog
from bot.adapters.dynamodb.incident_items import (
    alert_key,
    dedup_key,
    group_key,
    incident_item,
    incident_key,
    incident_of,
    outbox_item,
    outbox_key,
    put_alert,
    put_group,
    put_new,
    replace_incident,
)
from bot.adapters.dynamodb.incident_store import DynamoIncidentStore
from bot.adapters.dynamodb.items import Item, s, text
from bot.adapters.dynamodb.recent_intake import RecentIntake
from bot.adapters.dynamodb.single_table import SingleTable
from bot.domain.audit import AuditEvent
from bot.domain.audit_anchor import AuditHead
from bot.domain.errors import BackendUnavailable
from bot.domain.models import Alert, Incident
from bot.ports.alert_ledger import IntakeAudit
from bot.ports.store import AlertRecord, Intake, OutboxEvent

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef, UpdateTypeDef

    from bot.adapters.dynamodb.errors import Cancellation

log = logging.getLogger(__name__)

AUDITED = "audited"  # on a dedup record whose audit event went in its own transaction (put_alert)
SENT_AT = "outbox_sent_at"  # on a dedup record whose outbox event the queue took


class DynamoAlertLedger:
    def __init__(
        self,
        store: DynamoIncidentStore,
        audit: DynamoAuditLog,
        recent: RecentIntake | None = None,
    ) -> None:
        self._store = store
        self._table = store.single_table
        self._audit = audit
        self._recent = recent or RecentIntake()
        self._turns = GroupTurns()

    def record(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent, audit: IntakeAudit
    ) -> Intake | None:
        intake = self._record(alert, new_incident, event, audit)
        if intake is not None:
            self._recent.remember(dedup_key(alert), alert.group_key, intake.incident.id)
        return intake

    def _record(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent, audit: IntakeAudit
    ) -> Intake | None:
        if new_incident is not None:
            settled = self._answered_before(alert)
            if settled is not None:
                return settled
        # One writer per group at a time in this process: concurrent alerts of one incident
        # (an Alertmanager HA pair, a storm) would otherwise all read the same version and
        # all but one lose the conditional write, then retry the long way, each loss costing
        # a read and a write more; in turn, each writes once.
        with self._turns.of(alert.group_key):
            return self._write(alert, new_incident, event, audit)

    def _write(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent, audit: IntakeAudit
    ) -> Intake | None:
        holder_id = self._recent.holder(alert.group_key)
        if holder_id is not None:
            joined = self._join(alert, holder_id, event, audit)
            if joined is not None:
                return joined
            self._recent.forget_group(alert.group_key)
            holder_id = None
        if new_incident is not None:
            answered, holder_id = self._first_of_group(alert, new_incident, event, audit)
            if answered is not None:
                return answered
        else:  # a resolve: it joins the open incident of its group, or there is nothing to do
            claim = self._table.get_item(group_key(alert.group_key))
            holder_id = text(claim, "incident_id") if claim else None
        if holder_id is not None:
            joined = self._join(alert, holder_id, event, audit)
            if joined is not None:
                return joined
        return self._long_way(alert, new_incident, event, audit)

    def _answered_before(self, alert: Alert) -> Intake | None:
        """A re-send this process answered, answered again from one read (module docstring),
        or None: then the write path decides, as for a notification never seen."""
        key = dedup_key(alert)
        if not self._recent.answered(key):
            return None
        record, claim = alert_key(key), group_key(alert.group_key)
        stored = {text(item, "pk"): item for item in self._table.get_items([record, claim])}
        return _settled(stored.get(text(record, "pk")), stored.get(text(claim, "pk")))

    def _long_way(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent, audit: IntakeAudit
    ) -> Intake | None:
        """The store's read-then-write ingest, then the audit append (recurrences, lost
        races, records written by an older marshal)."""
        intake = self._store.ingest(alert, new_incident, event)
        if intake is not None:
            self._audit.append(
                intake.incident.id,
                actor=audit.actor,
                action=audit.action(alert, intake),
                details=audit.details,
                event_id=audit.event_id(intake),
            )
        return intake

    def _first_of_group(
        self, alert: Alert, incident: Incident, event: OutboxEvent, audit: IntakeAudit
    ) -> tuple[Intake | None, str | None]:
        """The one-transaction write, or a settled re-send's answer; else who holds the group
        when the notification itself is new (an alert joining that incident)."""
        table = self._table.name
        written = self._written(alert, incident, None, event, audit)
        group_put = put_group(table, alert.group_key, incident.id, replacing=None)
        group_put["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        writes: list[TransactWriteItemTypeDef] = [
            written.record_put,  # first: a re-send is told by this item's cancellation
            group_put,
            put_new(table, {**incident_item(incident), **head_attributes(written.head)}),
            *written.puts,
        ]
        reasons = self._table.transact(writes, "ingest")
        if reasons is None:
            self._audit.anchored_on_incident(incident.id)
            return written.intake, None
        holder = reasons[1].item if reasons[1].condition_failed else None
        if reasons[0].condition_failed:
            return _settled_resend(reasons), None
        return None, text(holder, "incident_id") if holder else None

    def _join(
        self, alert: Alert, holder_id: str, event: OutboxEvent, audit: IntakeAudit
    ) -> Intake | None:
        """A new notification for the open incident `holder_id`: one read of the incident
        (with its audit head), one of the chain's tail, one transaction that counts the alert,
        moves the head and writes the dedup record, outbox event and audit event. None when
        anything is not as expected: the long way decides."""
        item = self._table.get_item(incident_key(holder_id))
        current = incident_of(item) if item is not None else None
        if item is None or current is None or not current.is_open:
            return None
        head, previous = head_of(item), self._audit.tail(holder_id)
        if (
            head is None
            or previous is None
            or (head.seq, head.hash)
            != (
                previous.seq,
                previous.hash,
            )
        ):
            return None  # a chain anchored elsewhere, or cut: the audit log's append says so
        incident = current.model_copy(
            update={
                "alert_count": current.alert_count + 1,
                "version": current.version + 1,
                "updated_at": self._table.clock(),
            }
        )
        written = self._written(alert, incident, previous, event, audit)
        writes: list[TransactWriteItemTypeDef] = [
            written.record_put,
            replace_incident(
                self._table.name,
                incident,
                current.version,
                anchor=(head_attributes(written.head), (previous.seq, previous.hash)),
            ),
            *written.puts,
        ]
        return written.intake if self._table.transact(writes, "ingest") is None else None

    def _written(
        self,
        alert: Alert,
        incident: Incident,
        previous: AuditEvent | None,
        event: OutboxEvent,
        audit: IntakeAudit,
    ) -> _IntakeWrites:
        """What every one-transaction intake writes besides the incident: the dedup record
        (with the snapshot that answers its re-sends), the outbox event and the audit event
        chained after `previous` (None: a new incident's first)."""
        table = self._table.name
        outbox = event.model_copy(update={"incident_id": incident.id})
        created = previous is None
        intake = Intake(incident=incident, created=created, duplicate=False, outbox=outbox)
        head, audit_puts = self._audit.chained_event(
            incident.id, previous, audit.entry(alert, intake)
        )
        record = AlertRecord(dedup_key=dedup_key(alert), incident_id=incident.id, alert=alert)
        return _IntakeWrites(
            intake=intake,
            head=head,
            record_put=put_alert(
                table,
                record,
                outbox.event_id,
                replacing=None,
                snapshot=(incident, outbox),
                audited=True,
            ),
            puts=[{"Put": {"TableName": table, "Item": outbox_item(outbox)}}, *audit_puts],
        )


@dataclass(frozen=True)
class _IntakeWrites:
    intake: Intake
    head: AuditHead
    record_put: TransactWriteItemTypeDef
    puts: list[TransactWriteItemTypeDef]


class GroupTurns:
    """Striped locks by alert group: a few dozen locks serve any number of groups, and two
    groups that share a stripe only wait for each other, which is harmless."""

    def __init__(self, stripes: int = 64) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    def of(self, group: str) -> threading.Lock:
        return self._locks[zlib.crc32(group.encode()) % len(self._locks)]


def _settled_resend(reasons: list[Cancellation]) -> Intake | None:
    """A re-send of a notification whose incident is open, answered from the cancelled
    transaction's stored items; None when that needs reads (see the module docstring)."""
    return _settled(
        reasons[0].item if reasons[0].condition_failed else None,
        reasons[1].item if reasons[1].condition_failed else None,
    )


def _settled(known: Item | None, holder: Item | None) -> Intake | None:
    """The answer to a re-send from its dedup record and its group's claim, when they show
    its incident still open and its first acceptance complete; else None."""
    if known is None or holder is None:
        return None
    if text(holder, "incident_id") != text(known, "incident_id"):
        return None  # its incident is over: maybe a recurrence
    incident, outbox, sent_at = text(known, "incident"), text(known, "outbox"), text(known, SENT_AT)
    if incident is None or outbox is None or (sent_at is None and AUDITED not in known):
        return None  # written by an older marshal, or maybe not audited yet
    event = OutboxEvent.model_validate_json(outbox)
    if sent_at is not None:
        event = event.model_copy(update={"sent_at": datetime.fromisoformat(sent_at)})
    return Intake(
        incident=Incident.model_validate_json(incident), created=False, duplicate=True, outbox=event
    )


class DynamoOutboxMarks:
    """OutboxMarks in the background (see the module docstring); `flush` waits for them."""

    def __init__(self, table: SingleTable) -> None:
        self._table = table
        self._pending: queue.Queue[tuple[OutboxEvent, str | None] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._stopping = threading.Event()

    def sent(self, event: OutboxEvent, alert: Alert | None = None) -> None:
        self._pending.put((event, dedup_key(alert) if alert is not None else None))
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="outbox-marks", daemon=True)
                self._thread.start()

    def flush(self) -> None:
        """Until every mark asked for so far is written (or failed)."""
        self._pending.join()

    def stop(self, timeout: float = 2.0) -> None:
        """End the thread; marks still queued are left to the OutboxRelay (their events stay
        pending and are re-sent, the queue drops the copies), so stopping waits for nothing
        but the mark under way."""
        self._stopping.set()
        with self._start:
            thread = self._thread
        if thread is not None:
            self._pending.put(None)
            thread.join(timeout)

    def _work(self) -> None:
        while (item := self._pending.get()) is not None:
            try:
                if not self._stopping.is_set():
                    self.mark(*item)
            except BackendUnavailable as exc:
                # No one's loss: the event stays pending, the OutboxRelay re-sends it and the
                # queue drops the copy, so not a warning beside the outage's own.
                log.info("outbox mark left to the relay", extra={"error": str(exc)})
            finally:
                self._pending.task_done()
        self._pending.task_done()

    def mark(self, event: OutboxEvent, alert_dedup_key: str | None) -> None:
        sent = event.model_copy(update={"sent_at": self._table.clock()})
        # Two single-item updates, not one transaction: each is idempotent and either order
        # of dying between them is covered (module docstring), and a transaction would cost
        # twice the writes for an atomicity nothing here needs. A failed condition means the
        # relay marked the event first, or the record names a newer event: nothing to do.
        self._table.update_if(_mark_outbox(self._table.name, sent), "mark outbox sent")
        if alert_dedup_key is not None:
            self._table.update_if(
                _mark_record(self._table.name, alert_dedup_key, sent), "mark outbox sent"
            )


def _mark_outbox(table: str, sent: OutboxEvent) -> UpdateTypeDef:
    return {
        "TableName": table,
        "Key": outbox_key(sent.event_id),
        "UpdateExpression": "SET #d = :d REMOVE outbox_pending",
        "ConditionExpression": "attribute_exists(outbox_pending)",
        "ExpressionAttributeNames": {"#d": "data"},
        "ExpressionAttributeValues": {":d": s(sent.model_dump_json())},
    }


def _mark_record(table: str, key: str, sent: OutboxEvent) -> UpdateTypeDef:
    assert sent.sent_at is not None
    values: Item = {":t": s(sent.sent_at.isoformat()), ":e": s(sent.event_id)}
    return {
        "TableName": table,
        "Key": alert_key(key),
        "UpdateExpression": f"SET {SENT_AT} = :t",
        "ConditionExpression": "outbox_event_id = :e",  # the record still names this event
        "ExpressionAttributeValues": values,
    }
