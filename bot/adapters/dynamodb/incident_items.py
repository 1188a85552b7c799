"""The incidents table's items: their keys, how records are encoded, and the conditional
writes that transactions on the table are built from.

One table holds every item type (single-table design): an incident (`INC#id`/`INCIDENT`), its
timeline entries (`INC#id`/`TL#entry`), the claim of its alert group (`GROUP#key`), each
accepted notification's dedup record (`ALERT#key`), each outbox event (`OUTBOX#id`) and each
claim (`CLAIM#key`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.adapters.dynamodb.items import Item, n, required_text, s
from bot.adapters.listing import time_key, triggered_key
from bot.domain.models import Alert, Incident
from bot.ports.store import AlertRecord, OutboxEvent

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

INCIDENT, GROUP, ALERT, OUTBOX, CLAIM = "INCIDENT", "GROUP", "ALERT", "OUTBOX", "CLAIM"
PENDING = "PENDING"
OPEN = "OPEN"


def dedup_key(alert: Alert) -> str:
    return f"{alert.source.value}:{alert.external_id}:{alert.status.value}"


def incident_key(incident_id: str) -> Item:
    return {"pk": s(f"INC#{incident_id}"), "sk": s(INCIDENT)}


def group_key(key: str) -> Item:
    return {"pk": s(f"GROUP#{key}"), "sk": s(GROUP)}


def alert_key(key: str) -> Item:
    return {"pk": s(f"ALERT#{key}"), "sk": s(ALERT)}


def outbox_key(event_id: str) -> Item:
    return {"pk": s(f"OUTBOX#{event_id}"), "sk": s(OUTBOX)}


def timeline_key(incident_id: str, entry_id: str) -> Item:
    return {"pk": s(f"INC#{incident_id}"), "sk": s(f"TL#{entry_id}")}


def claim_key(key: str) -> Item:
    return {"pk": s(f"CLAIM#{key}"), "sk": s(CLAIM)}


# -- records -------------------------------------------------------------------------------


def incident_of(item: Item) -> Incident:
    return Incident.model_validate_json(required_text(item, "data"))


def outbox_of(item: Item) -> OutboxEvent:
    return OutboxEvent.model_validate_json(required_text(item, "data"))


def incident_item(incident: Incident) -> Item:
    item = incident_key(incident.id)
    item["data"] = s(incident.model_dump_json())
    item["version"] = n(incident.version)
    item["group_key"] = s(incident.group_key)
    item["list_pk"] = s(INCIDENT)
    item["triggered_key"] = s(triggered_key(incident.triggered_at, incident.id))
    # sparse index keys: present only when they apply
    if incident.is_open:
        item["open_pk"] = s(OPEN)
    if incident.channel_id:
        item["channel_id"] = s(incident.channel_id)
    return item


def outbox_item(event: OutboxEvent) -> Item:
    item = outbox_key(event.event_id)
    item["data"] = s(event.model_dump_json())
    item["incident_id"] = s(event.incident_id)
    item["created_key"] = s(f"{time_key(event.created_at)}#{event.event_id}")
    if event.sent_at is None:
        item["outbox_pending"] = s(PENDING)
    return item


# -- conditional writes, for TransactWriteItems ---------------------------------------------


def put_new(table: str, item: Item) -> TransactWriteItemTypeDef:
    return {
        "Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
    }


def put_incident(
    table: str, incident: Incident, *, expected_version: int | None
) -> TransactWriteItemTypeDef:
    if expected_version is None:
        return put_new(table, incident_item(incident))
    return replace_incident(table, incident, expected_version)


def replace_incident(
    table: str,
    incident: Incident,
    expected_version: int,
    *,
    anchor: tuple[Item, tuple[int, str] | None] | None = None,
) -> TransactWriteItemTypeDef:
    """Rewrite the incident's own attributes while it is at `expected_version`. An Update, not
    a Put: a Put would drop the attributes other writers keep on the item (the audit chain's
    anchored head, bot/adapters/dynamodb/audit_anchor.py). On a lost race the cancellation
    carries the stored item (ALL_OLD), so the caller needs no second read.

    `anchor`: also move the audit chain's head to these attributes, only while it still names
    (seq, hash) (None: no head yet), for an audit event written in the same transaction."""
    item = incident_item(incident)
    key = {name: item.pop(name) for name in ("pk", "sk")}
    condition = "version = :v"
    values: Item = {":v": n(expected_version)}
    if anchor is not None:
        head, previous = anchor
        item.update(head)
        if previous is None:
            condition += " AND attribute_not_exists(audit_seq)"
        else:
            condition += " AND audit_seq = :prev_seq AND audit_hash = :prev_hash"
            values[":prev_seq"], values[":prev_hash"] = n(previous[0]), s(previous[1])
    names: dict[str, str] = {}
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
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def put_group(
    table: str, key: str, incident_id: str, *, replacing: str | None
) -> TransactWriteItemTypeDef:
    item = group_key(key)
    item["incident_id"] = s(incident_id)
    # replacing: the holder is closed or gone; take the group over, unless someone just did
    return put_new_or_replace(table, item, "incident_id", replacing)


def release_group(table: str, key: str, incident_id: str) -> TransactWriteItemTypeDef:
    return {
        "Delete": {
            "TableName": table,
            "Key": group_key(key),
            "ConditionExpression": "incident_id = :id",
            "ExpressionAttributeValues": {":id": s(incident_id)},
        }
    }


def put_alert(
    table: str,
    record: AlertRecord,
    outbox_event_id: str,
    *,
    replacing: str | None,
    snapshot: tuple[Incident, OutboxEvent] | None = None,
    audited: bool = False,
) -> TransactWriteItemTypeDef:
    """Write the dedup record; `replacing` is the event id of a record whose incident is
    over, so a recurrence of the same alert may take the record over, and only once.

    `snapshot`, the incident and outbox event as this notification left them, lets a re-send
    be answered from this one item (bot/adapters/dynamodb/alert_ledger.py); a failed write
    hands the stored record back (ALL_OLD) for that. `audited`: the notification's audit
    event goes in the same transaction."""
    item = alert_key(record.dedup_key)
    item["incident_id"] = s(record.incident_id)
    item["outbox_event_id"] = s(outbox_event_id)
    item["data"] = s(record.model_dump_json())
    if snapshot is not None:
        item["incident"] = s(snapshot[0].model_dump_json())
        item["outbox"] = s(snapshot[1].model_dump_json())
    if audited:
        item["audited"] = n(1)
    write = put_new_or_replace(table, item, "outbox_event_id", replacing)
    write["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    return write


def put_new_or_replace(
    table: str, item: Item, attribute: str, replacing: str | None
) -> TransactWriteItemTypeDef:
    """Create `item`; or, with `replacing`, overwrite it only while `attribute` still
    holds that value, so of two writers taking over the same record one wins."""
    if replacing is None:
        return put_new(table, item)
    return {
        "Put": {
            "TableName": table,
            "Item": item,
            "ConditionExpression": f"{attribute} = :replacing",
            "ExpressionAttributeValues": {":replacing": s(replacing)},
        }
    }
