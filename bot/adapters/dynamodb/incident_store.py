"""IncidentStore on DynamoDB: every item type lives in the incidents table (see tables.py).

Multi-item changes are single TransactWriteItems calls guarded by condition
expressions; a lost race is retried from a fresh consistent read, so the outcome is the
same as SQLite's serialised transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.contention import attempts
from bot.adapters.dynamodb.errors import (
    CONDITION_FAILED,
    cancellation_codes,
    is_condition_failure,
    translated_errors,
)
from bot.adapters.dynamodb.items import Item, n, required_text, s, text
from bot.adapters.dynamodb.tables import (
    ALL_INDEX,
    CHANNEL_INDEX,
    OPEN_INDEX,
    PENDING_OUTBOX_INDEX,
    TTL_ATTRIBUTE,
    TableNames,
)
from bot.adapters.listing import IncidentCursor, time_key, triggered_key
from bot.domain.errors import BackendUnavailable, ConcurrentUpdate, NotFound
from bot.domain.models import Alert, Incident, TimelineEntry, utcnow
from bot.ports.store import AlertRecord, Intake, OutboxEvent, Page, is_recurrence

if TYPE_CHECKING:  # stub packages: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_INCIDENT, _GROUP, _ALERT, _OUTBOX, _CLAIM = "INCIDENT", "GROUP", "ALERT", "OUTBOX", "CLAIM"
_PENDING = "PENDING"
_OPEN = "OPEN"


def dedup_key(alert: Alert) -> str:
    return f"{alert.source.value}:{alert.external_id}:{alert.status.value}"


def _incident_key(incident_id: str) -> Item:
    return {"pk": s(f"INC#{incident_id}"), "sk": s(_INCIDENT)}


def _group_key(group_key: str) -> Item:
    return {"pk": s(f"GROUP#{group_key}"), "sk": s(_GROUP)}


def _alert_key(key: str) -> Item:
    return {"pk": s(f"ALERT#{key}"), "sk": s(_ALERT)}


def _outbox_key(event_id: str) -> Item:
    return {"pk": s(f"OUTBOX#{event_id}"), "sk": s(_OUTBOX)}


def _timeline_key(incident_id: str, entry_id: str) -> Item:
    return {"pk": s(f"INC#{incident_id}"), "sk": s(f"TL#{entry_id}")}


def _outbox_created_key(event: OutboxEvent) -> str:
    return f"{time_key(event.created_at)}#{event.event_id}"


class DynamoIncidentStore:
    def __init__(
        self,
        client: DynamoDBClient,
        table_prefix: str = "marshal-",
        *,
        clock: Callable[[], datetime] = utcnow,
        max_attempts: int = 64,
    ) -> None:
        self._client = client
        self.table = TableNames.for_prefix(table_prefix).incidents
        self._clock = clock
        self._max_attempts = max_attempts

    def ping(self) -> None:
        with translated_errors("ping"):
            self._client.describe_table(TableName=self.table)

    # -- incidents -------------------------------------------------------------------------

    def ingest(
        self, alert: Alert, new_incident: Incident | None, event: OutboxEvent
    ) -> Intake | None:
        key = dedup_key(alert)
        for _ in attempts(self._max_attempts):
            known = self._get_item(_alert_key(key))
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
                writes = [self._put_incident(incident, expected_version=current.version)]
            else:
                assert new_incident is not None
                incident = new_incident
                writes = [
                    self._put_group(alert.group_key, incident.id, replacing=holder_id),
                    self._put_incident(incident, expected_version=None),
                ]
            outbox = event.model_copy(update={"incident_id": incident.id})
            record = AlertRecord(dedup_key=key, incident_id=incident.id, alert=alert)
            writes.append(self._put_alert(record, outbox.event_id, replacing=replacing))
            writes.append({"Put": {"TableName": self.table, "Item": _outbox_item(outbox)}})
            if self._transact(writes, "ingest") is None:
                return Intake(
                    incident=incident, created=current is None, duplicate=False, outbox=outbox
                )
            # lost a race (group taken, incident moved on, or the same alert landed): re-read
        raise BackendUnavailable(f"ingest of {key} kept colliding with other writers; retry")

    def create_if_absent(self, incident: Incident) -> tuple[Incident, bool]:
        for _ in attempts(self._max_attempts):
            holder_id, current = self._group_holder(incident.group_key)
            if current is not None:
                return current, False
            same_id = self.get(incident.id)
            if same_id is not None:
                return same_id, False
            writes = [
                self._put_group(incident.group_key, incident.id, replacing=holder_id),
                self._put_incident(incident, expected_version=None),
            ]
            if self._transact(writes, "create_if_absent") is None:
                return incident, True
        raise BackendUnavailable(f"creating incident {incident.id} kept colliding; retry")

    def get(self, incident_id: str, *, consistent: bool = True) -> Incident | None:
        item = self._get_item(_incident_key(incident_id), consistent=consistent)
        return _incident(item) if item else None

    def update(self, incident: Incident, *, expected_version: int) -> Incident:
        return self.update_with_events(incident, expected_version=expected_version, events=())

    def update_with_events(
        self, incident: Incident, *, expected_version: int, events: Sequence[OutboxEvent]
    ) -> Incident:
        written = incident.model_copy(update={"version": expected_version + 1})
        pending = list(events)
        for _ in attempts(self._max_attempts):
            holder = self._get_item(_group_key(written.group_key))
            holder_id = text(holder, "incident_id") if holder else None
            writes = [self._put_incident(written, expected_version=expected_version)]
            if written.is_open and holder_id is None:
                # a reopened incident takes its group back unless a newer incident holds it
                writes.append(self._put_group(written.group_key, written.id, replacing=None))
            elif not written.is_open and holder_id == written.id:
                writes.append(self._release_group(written.group_key, written.id))
            first_event = len(writes)
            writes.extend(self._put_new_outbox(event) for event in pending)
            codes = self._transact(writes, "update")
            if codes is None:
                return written
            if codes[0] == CONDITION_FAILED:
                current = self.get(incident.id)
                if current is None:
                    raise NotFound(f"incident {incident.id} does not exist")
                raise ConcurrentUpdate(
                    f"incident {incident.id} is at version {current.version}, "
                    f"not {expected_version}",
                    current=current,
                )
            # as add_outbox (and SQLite): an event already in the outbox is left as it is
            present = {i for i, code in enumerate(codes[first_event:]) if code == CONDITION_FAILED}
            pending = [event for i, event in enumerate(pending) if i not in present]
        raise BackendUnavailable(f"update of incident {incident.id} kept colliding; retry")

    def find_by_channel(self, channel_id: str) -> Incident | None:
        items = self._query(
            IndexName=CHANNEL_INDEX,
            KeyConditionExpression="channel_id = :c",
            ExpressionAttributeValues={":c": s(channel_id)},
        )
        found = sorted(items, key=lambda i: required_text(i, "triggered_key"), reverse=True)
        return _incident(found[0]) if found else None

    def list_incidents(
        self, *, open_only: bool = True, limit: int = 50, cursor: str | None = None
    ) -> Page[Incident]:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        hash_name, hash_value = ("open_pk", _OPEN) if open_only else ("list_pk", _INCIDENT)
        condition = f"{hash_name} = :h"
        values: dict[str, Any] = {":h": s(hash_value)}
        if cursor is not None:
            condition += " AND triggered_key < :t"
            values[":t"] = s(IncidentCursor.decode(cursor).triggered_key)
        items = self._query(
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
                required_text(last, "triggered_key"), _incident(last).id
            ).encode()
        return Page[Incident](items=[_incident(i) for i in page], next_cursor=next_cursor)

    # -- outbox ----------------------------------------------------------------------------

    def pending_outbox(self, *, older_than: datetime, limit: int = 100) -> list[OutboxEvent]:
        items = self._query(
            IndexName=PENDING_OUTBOX_INDEX,
            KeyConditionExpression="outbox_pending = :p AND created_key < :t",
            ExpressionAttributeValues={":p": s(_PENDING), ":t": s(time_key(older_than))},
            stop_after=limit,
        )
        return [OutboxEvent.model_validate_json(required_text(i, "data")) for i in items[:limit]]

    def mark_outbox_sent(self, event_id: str) -> None:
        item = self._get_item(_outbox_key(event_id))
        if item is None:
            return
        event = OutboxEvent.model_validate_json(required_text(item, "data"))
        if event.sent_at is not None:
            return
        sent = event.model_copy(update={"sent_at": self._clock()})
        with translated_errors("mark_outbox_sent"):
            try:
                self._client.update_item(
                    TableName=self.table,
                    Key=_outbox_key(event_id),
                    UpdateExpression="SET #d = :d REMOVE outbox_pending",
                    ConditionExpression="attribute_exists(outbox_pending)",
                    ExpressionAttributeNames={"#d": "data"},
                    ExpressionAttributeValues={":d": s(sent.model_dump_json())},
                )
            except ClientError as exc:
                if not is_condition_failure(exc):  # already marked by someone else: fine
                    raise

    def add_outbox(self, event: OutboxEvent) -> None:
        # idempotent on event_id: re-adding an event never resets its sent_at
        self._put_if_absent(_outbox_item(event), "add_outbox")

    # -- timeline --------------------------------------------------------------------------

    def add_timeline(self, entry: TimelineEntry) -> None:
        item = _timeline_key(entry.incident_id, entry.id)
        item["data"] = s(entry.model_dump_json())
        item["at_key"] = s(time_key(entry.at))
        if entry.source_ref is not None:
            item["source_ref"] = s(entry.source_ref)
        with translated_errors("add_timeline"):
            self._client.put_item(TableName=self.table, Item=item)

    def remove_timeline(self, incident_id: str, entry_id: str) -> bool:
        with translated_errors("remove_timeline"):
            result = self._client.delete_item(
                TableName=self.table,
                Key=_timeline_key(incident_id, entry_id),
                ReturnValues="ALL_OLD",
            )
        return bool(result.get("Attributes"))

    def find_timeline_by_ref(self, incident_id: str, source_ref: str) -> TimelineEntry | None:
        found = [e for e in self.list_timeline(incident_id) if e.source_ref == source_ref]
        return found[0] if found else None

    def list_timeline(self, incident_id: str) -> list[TimelineEntry]:
        items = self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :tl)",
            ExpressionAttributeValues={":pk": s(f"INC#{incident_id}"), ":tl": s("TL#")},
            ConsistentRead=True,
        )
        # sorted like SQLite's (at, id) so both backends list identically
        items.sort(key=lambda i: (required_text(i, "at_key"), required_text(i, "sk")))
        return [TimelineEntry.model_validate_json(required_text(i, "data")) for i in items]

    # -- claims ----------------------------------------------------------------------------

    def claim(self, key: str, owner: str, *, ttl_seconds: int | None = None) -> bool:
        now = int(self._clock().timestamp())
        item: Item = {"pk": s(f"CLAIM#{key}"), "sk": s(_CLAIM), "owner": s(owner)}
        if ttl_seconds is not None:
            item[TTL_ATTRIBUTE] = n(now + ttl_seconds)
        with translated_errors("claim"):
            try:
                self._client.put_item(
                    TableName=self.table,
                    Item=item,
                    # DynamoDB's TTL deletes lazily, so an expired claim may still be there
                    ConditionExpression="attribute_not_exists(pk) OR #exp <= :now",
                    ExpressionAttributeNames={"#exp": TTL_ATTRIBUTE},
                    ExpressionAttributeValues={":now": n(now)},
                )
            except ClientError as exc:
                if is_condition_failure(exc):
                    return False
                raise
        return True

    # -- item plumbing ---------------------------------------------------------------------

    def _get_item(self, key: Item, *, consistent: bool = True) -> Item | None:
        with translated_errors("get_item"):
            result = self._client.get_item(TableName=self.table, Key=key, ConsistentRead=consistent)
        return result.get("Item")

    def _query(self, *, stop_after: int | None = None, **kwargs: Any) -> list[Item]:
        items: list[Item] = []
        for page in self._pages(stop_after, kwargs):
            items.extend(page)
            if stop_after is not None and len(items) >= stop_after:
                break
        return items

    def _pages(self, stop_after: int | None, kwargs: dict[str, Any]) -> Iterator[list[Item]]:
        start: Item | None = None
        while True:
            request = dict(kwargs, TableName=self.table)
            if stop_after is not None:
                request["Limit"] = stop_after
            if start is not None:
                request["ExclusiveStartKey"] = start
            with translated_errors("query"):
                result = self._client.query(**request)
            yield result.get("Items", [])
            start = result.get("LastEvaluatedKey")
            if start is None:
                return

    def _transact(self, writes: list[TransactWriteItemTypeDef], what: str) -> list[str] | None:
        """None when the transaction committed, else the per-item cancellation codes."""
        with translated_errors(what):
            try:
                self._client.transact_write_items(TransactItems=writes)
            except ClientError as exc:
                codes = cancellation_codes(exc)
                if codes is None:
                    raise
                return codes
        return None

    def _put_if_absent(self, item: Item, what: str) -> bool:
        with translated_errors(what):
            try:
                self._client.put_item(
                    TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)"
                )
            except ClientError as exc:
                if is_condition_failure(exc):
                    return False
                raise
        return True

    def _group_holder(self, group_key: str) -> tuple[str | None, Incident | None]:
        """Who holds the group claim, and that incident if it is still open."""
        claim = self._get_item(_group_key(group_key))
        holder_id = text(claim, "incident_id") if claim else None
        current = self.get(holder_id) if holder_id else None
        return holder_id, current if current is not None and current.is_open else None

    def _duplicate(self, known: Item) -> Intake:
        incident = self.get(required_text(known, "incident_id"))
        outbox_item = self._get_item(_outbox_key(required_text(known, "outbox_event_id")))
        if incident is None or outbox_item is None:
            raise NotFound(f"alert record {text(known, 'pk')} points at a missing record")
        outbox = OutboxEvent.model_validate_json(required_text(outbox_item, "data"))
        return Intake(incident=incident, created=False, duplicate=True, outbox=outbox)

    def _put_incident(
        self, incident: Incident, *, expected_version: int | None
    ) -> TransactWriteItemTypeDef:
        if expected_version is None:
            return {
                "Put": {
                    "TableName": self.table,
                    "Item": _incident_item(incident),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        return _replace_incident(self.table, incident, expected_version)

    def _put_new_outbox(self, event: OutboxEvent) -> TransactWriteItemTypeDef:
        return {
            "Put": {
                "TableName": self.table,
                "Item": _outbox_item(event),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _put_group(
        self, group_key: str, incident_id: str, *, replacing: str | None
    ) -> TransactWriteItemTypeDef:
        item = _group_key(group_key)
        item["incident_id"] = s(incident_id)
        # replacing: the holder is closed or gone; take the group over, unless someone just did
        return self._put_new_or_replace(item, "incident_id", replacing)

    def _release_group(self, group_key: str, incident_id: str) -> TransactWriteItemTypeDef:
        return {
            "Delete": {
                "TableName": self.table,
                "Key": _group_key(group_key),
                "ConditionExpression": "incident_id = :id",
                "ExpressionAttributeValues": {":id": s(incident_id)},
            }
        }

    def _put_alert(
        self, record: AlertRecord, outbox_event_id: str, *, replacing: str | None
    ) -> TransactWriteItemTypeDef:
        """Write the dedup record; `replacing` is the event id of a record whose incident is
        over, so a recurrence of the same alert may take the record over, and only once."""
        item = _alert_key(record.dedup_key)
        item["incident_id"] = s(record.incident_id)
        item["outbox_event_id"] = s(outbox_event_id)
        item["data"] = s(record.model_dump_json())
        return self._put_new_or_replace(item, "outbox_event_id", replacing)

    def _put_new_or_replace(
        self, item: Item, attribute: str, replacing: str | None
    ) -> TransactWriteItemTypeDef:
        """Create `item`; or, with `replacing`, overwrite it only while `attribute` still
        holds that value, so of two writers taking over the same record one wins."""
        if replacing is None:
            return {
                "Put": {
                    "TableName": self.table,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        return {
            "Put": {
                "TableName": self.table,
                "Item": item,
                "ConditionExpression": f"{attribute} = :replacing",
                "ExpressionAttributeValues": {":replacing": s(replacing)},
            }
        }


def _incident(item: Item) -> Incident:
    return Incident.model_validate_json(required_text(item, "data"))


def _incident_item(incident: Incident) -> Item:
    item = _incident_key(incident.id)
    item["data"] = s(incident.model_dump_json())
    item["version"] = n(incident.version)
    item["group_key"] = s(incident.group_key)
    item["list_pk"] = s(_INCIDENT)
    item["triggered_key"] = s(triggered_key(incident.triggered_at, incident.id))
    # sparse index keys: present only when they apply
    if incident.is_open:
        item["open_pk"] = s(_OPEN)
    if incident.channel_id:
        item["channel_id"] = s(incident.channel_id)
    return item


def _replace_incident(
    table: str, incident: Incident, expected_version: int
) -> TransactWriteItemTypeDef:
    """Rewrite the incident's own attributes while it is at `expected_version`. An Update, not
    a Put: a Put would drop the attributes other writers keep on the item (the audit chain's
    anchored head, bot/adapters/dynamodb/audit_anchor.py)."""
    item = _incident_item(incident)
    key = {name: item.pop(name) for name in ("pk", "sk")}
    names: dict[str, str] = {}
    values: Item = {":v": n(expected_version)}
    sets: list[str] = []
    for i, (name, value) in enumerate(sorted(item.items())):
        names[f"#a{i}"], values[f":a{i}"] = name, value
        sets.append(f"#a{i} = :a{i}")
    expression = "SET " + ", ".join(sets)
    gone = [name for name in ("open_pk", "channel_id") if name not in item]  # sparse keys
    if gone:
        names.update({f"#r{i}": name for i, name in enumerate(gone)})
        expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(gone)))
    return {
        "Update": {
            "TableName": table,
            "Key": key,
            "UpdateExpression": expression,
            "ConditionExpression": "version = :v",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def _outbox_item(event: OutboxEvent) -> Item:
    item = _outbox_key(event.event_id)
    item["data"] = s(event.model_dump_json())
    item["incident_id"] = s(event.incident_id)
    item["created_key"] = s(_outbox_created_key(event))
    if event.sent_at is None:
        item["outbox_pending"] = s(_PENDING)
    return item
