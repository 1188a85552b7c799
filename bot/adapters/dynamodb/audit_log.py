"""AuditLog on DynamoDB: the audit table, one item per event keyed (incident_id, seq).

Appending is optimistic: read the chain's tail consistently, seal the next event, and
write it, an event-id marker and the chain's new anchored head (audit_anchor.py) in one
transaction that demands the event and marker be new and the head still name the tail.
If another writer took that seq first, re-read and try again; if the marker exists, the
event was appended before and is returned as is (idempotency on event_id).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.audit_anchor import (
    HEAD_ATTRIBUTES,
    HEAD_PREFIX,
    AnchorTarget,
    anchor_write,
    head_item_key,
    head_of,
)
from bot.adapters.dynamodb.contention import attempts
from bot.adapters.dynamodb.errors import CONDITION_FAILED, cancellation_codes, translated_errors
from bot.adapters.dynamodb.items import Item, n, number, required_text, s
from bot.adapters.dynamodb.tables import TableNames, incident_item_key
from bot.domain.audit import (
    AuditAction,
    AuditChainBroken,
    AuditEntry,
    AuditEvent,
    parse_stored_event,
)
from bot.domain.audit_anchor import AuditHead, sealed_next
from bot.domain.audit_keys import AuditKeyring
from bot.domain.errors import BackendUnavailable
from bot.domain.ids import new_id
from bot.domain.models import utcnow

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_MARKER_PREFIX = "event#"
_REMEMBERED_INCIDENTS = 10_000


def _marker_key(event_id: str) -> Item:
    return {"incident_id": s(f"{_MARKER_PREFIX}{event_id}"), "seq": n(0)}


def _event(chain_id: str, item: Item) -> AuditEvent:
    return parse_stored_event(chain_id, f"#{number(item, 'seq')}", required_text(item, "data"))


class DynamoAuditLog:
    def __init__(
        self,
        client: DynamoDBClient,
        table_prefix: str = "marshal-",
        *,
        keys: AuditKeyring,
        clock: Callable[[], datetime] = utcnow,
        max_attempts: int = 100,
    ) -> None:
        self._client = client
        tables = TableNames.for_prefix(table_prefix)
        self.table = tables.audit
        self._incidents = tables.incidents
        self.keys = keys
        self._clock = clock
        self._max_attempts = max_attempts
        # Chains known to have an incident item: incidents are never deleted, so the anchor's
        # place needs looking up once per incident, not on every append.
        self._on_incident: set[str] = set()

    def append(
        self,
        incident_id: str,
        *,
        actor: str,
        action: AuditAction,
        details: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> AuditEvent:
        if event_id is not None:
            existing = self._by_event_id(event_id)
            if existing is not None:
                return existing
        chosen_id = event_id or new_id("ev")  # once, so every retry below writes one event
        entry = AuditEntry(actor, action, details, chosen_id)
        key = self.keys.current
        for _ in attempts(self._max_attempts):
            target = self._anchor_target(incident_id)
            previous = self._last_event(incident_id)
            event, head = sealed_next(previous, incident_id, entry, key=key, at=self._clock())
            codes = self._write(event, anchor_write(target, incident_id, head, previous))
            if codes is None:
                return event
            if codes[1] == CONDITION_FAILED:
                appended = self._by_event_id(chosen_id)
                if appended is not None:
                    return appended
            if codes[0] != CONDITION_FAILED and codes[2] == CONDITION_FAILED:
                self._on_incident.discard(incident_id)  # look the anchor's place up afresh
                self._check_anchor(target, previous, incident_id)
            # another writer took this seq (or the incident item came or went): re-read
        raise BackendUnavailable(f"audit append to {incident_id} kept colliding; retry")

    def events(self, incident_id: str) -> list[AuditEvent]:
        items: list[Item] = []
        start: Item | None = None
        while True:
            request: dict[str, Any] = {
                "TableName": self.table,
                "KeyConditionExpression": "incident_id = :i",
                "ExpressionAttributeValues": {":i": s(incident_id)},
                "ConsistentRead": True,
            }
            if start is not None:
                request["ExclusiveStartKey"] = start
            with translated_errors("audit events"):
                result = self._client.query(**request)
            items.extend(result.get("Items", []))
            start = result.get("LastEvaluatedKey")
            if start is None:
                break
        return [_event(incident_id, i) for i in items]

    def head(self, incident_id: str) -> AuditHead | None:
        on_incident = head_of(self._get(self._incidents, incident_item_key(incident_id)))
        if on_incident is not None:
            return on_incident
        return head_of(self._get(self.table, head_item_key(incident_id)))

    def incident_ids(self) -> list[str]:
        return sorted(
            self._scan_ids("incident_id", "seq > :zero", {":zero": n(0)})  # skip seq-0 items
        )

    def headed_chain_ids(self) -> list[str]:
        return sorted(
            self._scan_ids(
                "chain_id",
                "seq = :zero AND begins_with(incident_id, :h)",
                {":zero": n(0), ":h": s(HEAD_PREFIX)},
            )
        )

    def _scan_ids(self, attribute: str, condition: str, values: Item) -> set[str]:
        found: set[str] = set()
        with translated_errors("audit chain ids"):
            for page in self._client.get_paginator("scan").paginate(
                TableName=self.table,
                ProjectionExpression=attribute,
                FilterExpression=condition,
                ExpressionAttributeValues=values,
                ConsistentRead=True,
            ):
                found.update(required_text(item, attribute) for item in page.get("Items", []))
        return found

    def _anchor_target(self, incident_id: str) -> AnchorTarget:
        """The incident's item when it exists; else the chain's own head item."""
        key = incident_item_key(incident_id)
        if incident_id in self._on_incident:
            return AnchorTarget(table=self._incidents, key=key, on_incident=True)
        with translated_errors("audit anchor"):
            item = self._client.get_item(
                TableName=self._incidents, Key=key, ConsistentRead=True, ProjectionExpression="pk"
            ).get("Item")
        if item is not None:
            self.anchored_on_incident(incident_id)
            return AnchorTarget(table=self._incidents, key=key, on_incident=True)
        return AnchorTarget(table=self.table, key=head_item_key(incident_id), on_incident=False)

    def _check_anchor(
        self, target: AnchorTarget, previous: AuditEvent | None, incident_id: str
    ) -> None:
        """Only the anchor's condition failed: a head naming another event is a cut chain."""
        current = head_of(self._get(target.table, target.key, HEAD_ATTRIBUTES))
        if current is not None and (
            previous is None or (current.seq, current.hash) != (previous.seq, previous.hash)
        ):
            raise AuditChainBroken(incident_id)

    def tail(self, incident_id: str) -> AuditEvent | None:
        """The chain's last event, read strongly consistent."""
        return self._last_event(incident_id)

    def chained_event(
        self, incident_id: str, previous: AuditEvent | None, entry: AuditEntry
    ) -> tuple[AuditHead, list[TransactWriteItemTypeDef]]:
        """`entry` after `previous` (None: a new incident's first), for the caller's own
        transaction that also moves the chain's head on the incident item: the new head and
        the event's and its id marker's conditional puts."""
        event, head = sealed_next(
            previous, incident_id, entry, key=self.keys.current, at=self._clock()
        )
        return head, self._event_puts(event)

    def anchored_on_incident(self, incident_id: str) -> None:
        """The chain's anchor is on its incident item (a transaction just created both)."""
        if len(self._on_incident) >= _REMEMBERED_INCIDENTS:
            self._on_incident.clear()
        self._on_incident.add(incident_id)

    def _event_puts(self, event: AuditEvent) -> list[TransactWriteItemTypeDef]:
        item: Item = {
            "incident_id": s(event.incident_id),
            "seq": n(event.seq),
            "event_id": s(event.event_id),
            "at": s(event.at.isoformat()),
            "data": s(event.model_dump_json()),
        }
        marker = _marker_key(event.event_id)
        marker["event_incident_id"] = s(event.incident_id)
        marker["event_seq"] = n(event.seq)
        return [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": written,
                    "ConditionExpression": "attribute_not_exists(seq)",
                }
            }
            for written in (item, marker)
        ]

    def _write(self, event: AuditEvent, anchor: Any) -> list[str] | None:
        with translated_errors("audit append"):
            try:
                self._client.transact_write_items(TransactItems=[*self._event_puts(event), anchor])
            except ClientError as exc:
                codes = cancellation_codes(exc)
                if codes is None:
                    raise
                return codes
        return None

    def _get(self, table: str, key: Item, projection: str | None = None) -> Item | None:
        request: dict[str, Any] = {"TableName": table, "Key": key, "ConsistentRead": True}
        if projection:
            request["ProjectionExpression"] = projection
        with translated_errors("audit head"):
            return self._client.get_item(**request).get("Item")

    def _last_event(self, incident_id: str) -> AuditEvent | None:
        with translated_errors("audit tail"):
            result = self._client.query(
                TableName=self.table,
                KeyConditionExpression="incident_id = :i",
                ExpressionAttributeValues={":i": s(incident_id)},
                ScanIndexForward=False,
                Limit=1,
                ConsistentRead=True,
            )
        items = result.get("Items", [])
        return _event(incident_id, items[0]) if items else None

    def _by_event_id(self, event_id: str) -> AuditEvent | None:
        with translated_errors("audit marker"):
            marker = self._client.get_item(
                TableName=self.table, Key=_marker_key(event_id), ConsistentRead=True
            ).get("Item")
            if marker is None:
                return None
            chain_id = required_text(marker, "event_incident_id")
            event_key: Item = {
                "incident_id": s(chain_id),
                "seq": n(number(marker, "event_seq") or 0),
            }
            item = self._client.get_item(
                TableName=self.table, Key=event_key, ConsistentRead=True
            ).get("Item")
        return _event(chain_id, item) if item else None
