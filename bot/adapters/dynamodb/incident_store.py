"""Incidents on DynamoDB, and DynamoIncidentStore: the four store ports on one table.

Every item type lives in the incidents table (incident_items.py). Multi-item changes are single
TransactWriteItems calls guarded by condition expressions; a lost race is retried from a fresh
consistent read, so the outcome is the same as SQLite's serialised transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.adapters.dynamodb.claims import DynamoClaims
from bot.adapters.dynamodb.contention import attempts
from bot.adapters.dynamodb.incident_items import (
    INCIDENT,
    OPEN,
    alert_key,
    dedup_key,
    group_key,
    incident_key,
    incident_of,
    outbox_item,
    outbox_key,
    outbox_of,
    put_alert,
    put_group,
    put_incident,
    put_new,
    release_group,
)
from bot.adapters.dynamodb.items import Item, required_text, s, text
from bot.adapters.dynamodb.outbox import DynamoOutbox
from bot.adapters.dynamodb.single_table import OnSingleTable, SingleTable
from bot.adapters.dynamodb.tables import ALL_INDEX, CHANNEL_INDEX, OPEN_INDEX
from bot.adapters.dynamodb.timeline import DynamoTimeline
from bot.adapters.listing import IncidentCursor
from bot.domain.errors import BackendUnavailable, ConcurrentUpdate, NotFound
from bot.domain.models import Alert, Incident, utcnow
from bot.ports.store import AlertRecord, Intake, OutboxEvent, Page, is_recurrence

if TYPE_CHECKING:  # stub packages: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

__all__ = ["DynamoIncidentStore", "DynamoIncidents", "dedup_key"]


class DynamoIncidents(OnSingleTable):
    """The Incidents port: incidents, their group claims and alert dedup records."""

    def ping(self) -> None:
        self._table.ping()

    def ingest(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent
    ) -> Intake | None:
        key = dedup_key(alert)
        table = self.table
        for _ in attempts(self._table.max_attempts):
            known = self._table.get_item(alert_key(key))
            replacing: str | None = None
            if known is not None:
                duplicate = self._duplicate(known)
                if not is_recurrence(alert, duplicate.incident):
                    return duplicate
                replacing = duplicate.outbox.event_id
            holder_id, current = self._group_holder(alert.group_key)
            if current is None and new_incident is None:
                return None
            writes: list[TransactWriteItemTypeDef]
            if current is not None:
                incident = current.model_copy(
                    update={
                        "alert_count": current.alert_count + 1,
                        "version": current.version + 1,
                        "updated_at": self._clock(),
                    }
                )
                writes = [put_incident(table, incident, expected_version=current.version)]
            else:
                assert new_incident is not None
                incident = new_incident
                writes = [
                    put_group(table, alert.group_key, incident.id, replacing=holder_id),
                    put_incident(table, incident, expected_version=None),
                ]
            outbox = event.model_copy(update={"incident_id": incident.id})
            record = AlertRecord(dedup_key=key, incident_id=incident.id, alert=alert)
            writes.append(
                put_alert(
                    table, record, outbox.event_id, replacing=replacing, snapshot=(incident, outbox)
                )
            )
            writes.append({"Put": {"TableName": table, "Item": outbox_item(outbox)}})
            if self._table.transact(writes, "ingest") is None:
                return Intake(
                    incident=incident, created=current is None, duplicate=False, outbox=outbox
                )
            # lost a race (group taken, incident moved on, or the same alert landed): re-read
        raise BackendUnavailable(f"ingest of {key} kept colliding with other writers; retry")

    def create_if_absent(self, incident: Incident) -> tuple[Incident, bool]:
        for _ in attempts(self._table.max_attempts):
            holder_id, current = self._group_holder(incident.group_key)
            if current is not None:
                return current, False
            same_id = self.get(incident.id)
            if same_id is not None:
                return same_id, False
            writes = [
                put_group(self.table, incident.group_key, incident.id, replacing=holder_id),
                put_incident(self.table, incident, expected_version=None),
            ]
            if self._table.transact(writes, "create_if_absent") is None:
                return incident, True
        raise BackendUnavailable(f"creating incident {incident.id} kept colliding; retry")

    def get(self, incident_id: str, *, consistent: bool = True) -> Incident | None:
        item = self._table.get_item(incident_key(incident_id), consistent=consistent)
        return incident_of(item) if item else None

    def update(self, incident: Incident, *, expected_version: int) -> Incident:
        return self.update_with_events(incident, expected_version=expected_version, events=())

    def update_with_events(
        self, incident: Incident, *, expected_version: int, events: Sequence[OutboxEvent]
    ) -> Incident:
        written = incident.model_copy(update={"version": expected_version + 1})
        pending = list(events)
        for _ in attempts(self._table.max_attempts):
            holder = self._table.get_item(group_key(written.group_key))
            holder_id = text(holder, "incident_id") if holder else None
            writes = [put_incident(self.table, written, expected_version=expected_version)]
            if written.is_open and holder_id is None:
                # a reopened incident takes its group back unless a newer incident holds it
                writes.append(put_group(self.table, written.group_key, written.id, replacing=None))
            elif not written.is_open and holder_id == written.id:
                writes.append(release_group(self.table, written.group_key, written.id))
            first_event = len(writes)
            writes.extend(put_new(self.table, outbox_item(event)) for event in pending)
            reasons = self._table.transact(writes, "update")
            if reasons is None:
                return written
            if reasons[0].condition_failed:
                # the incident write asked for the stored item (ALL_OLD): no second read
                stored = reasons[0].item
                if stored is None:
                    raise NotFound(f"incident {incident.id} does not exist")
                current = incident_of(stored)
                raise ConcurrentUpdate(
                    f"incident {incident.id} is at version {current.version}, "
                    f"not {expected_version}",
                    current=current,
                )
            # as add_outbox (and SQLite): an event already in the outbox is left as it is
            present = {i for i, r in enumerate(reasons[first_event:]) if r.condition_failed}
            pending = [event for i, event in enumerate(pending) if i not in present]
        raise BackendUnavailable(f"update of incident {incident.id} kept colliding; retry")

    def find_by_channel(self, channel_id: str) -> Incident | None:
        items = self._table.query(
            IndexName=CHANNEL_INDEX,
            KeyConditionExpression="channel_id = :c",
            ExpressionAttributeValues={":c": s(channel_id)},
        )
        found = sorted(items, key=lambda i: required_text(i, "triggered_key"), reverse=True)
        return incident_of(found[0]) if found else None

    def list_incidents(
        self, *, open_only: bool = True, limit: int = 50, cursor: str | None = None
    ) -> Page[Incident]:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        hash_name, hash_value = ("open_pk", OPEN) if open_only else ("list_pk", INCIDENT)
        condition = f"{hash_name} = :h"
        values: dict[str, Any] = {":h": s(hash_value)}
        if cursor is not None:
            condition += " AND triggered_key < :t"
            values[":t"] = s(IncidentCursor.decode(cursor).triggered_key)
        items = self._table.query(
            IndexName=OPEN_INDEX if open_only else ALL_INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            stop_after=limit + 1,
        )
        page = items[:limit]
        next_cursor = None
        if len(items) > limit:
            last = page[-1]
            next_cursor = IncidentCursor(
                required_text(last, "triggered_key"), incident_of(last).id
            ).encode()
        return Page[Incident](items=[incident_of(i) for i in page], next_cursor=next_cursor)

    def _group_holder(self, key: str) -> tuple[str | None, Incident | None]:
        """Who holds the group claim, and that incident if it is still open."""
        claim = self._table.get_item(group_key(key))
        holder_id = text(claim, "incident_id") if claim else None
        current = self.get(holder_id) if holder_id else None
        return holder_id, current if current is not None and current.is_open else None

    def _duplicate(self, known: Item) -> Intake:
        incident = self.get(required_text(known, "incident_id"))
        outbox = self._table.get_item(outbox_key(required_text(known, "outbox_event_id")))
        if incident is None or outbox is None:
            raise NotFound(f"alert record {text(known, 'pk')} points at a missing record")
        return Intake(incident=incident, created=False, duplicate=True, outbox=outbox_of(outbox))


class DynamoIncidentStore(DynamoIncidents, DynamoOutbox, DynamoTimeline, DynamoClaims):
    """The whole IncidentStore: every port's adapter on one shared SingleTable."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_prefix: str = "marshal-",
        *,
        clock: Callable[[], datetime] = utcnow,
        max_attempts: int = 64,
    ) -> None:
        super().__init__(
            SingleTable.for_prefix(client, table_prefix, clock=clock, max_attempts=max_attempts)
        )
