"""AuditLog on DynamoDB: the audit table, one item per event keyed (incident_id, seq).

Appending is optimistic: read the chain's tail consistently, seal the next event, and
write it together with an event-id marker in one transaction that demands both be new.
If another writer took that seq first, re-read and try again; if the marker exists, the
event was appended before and is returned as is (idempotency on event_id).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.contention import attempts
from bot.adapters.dynamodb.errors import CONDITION_FAILED, cancellation_codes, translated_errors
from bot.adapters.dynamodb.items import Item, n, number, required_text, s
from bot.adapters.dynamodb.tables import TableNames
from bot.domain.audit import AuditAction, AuditEvent, chain_event
from bot.domain.errors import BackendUnavailable
from bot.domain.ids import new_id
from bot.domain.models import utcnow

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb import DynamoDBClient

_MARKER_PREFIX = "event#"


def _marker_key(event_id: str) -> Item:
    return {"incident_id": s(f"{_MARKER_PREFIX}{event_id}"), "seq": n(0)}


class DynamoAuditLog:
    def __init__(
        self,
        client: DynamoDBClient,
        table_prefix: str = "marshal-",
        *,
        clock: Callable[[], datetime] = utcnow,
        max_attempts: int = 100,
    ) -> None:
        self._client = client
        self.table = TableNames.for_prefix(table_prefix).audit
        self._clock = clock
        self._max_attempts = max_attempts

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
        chosen_id = event_id or new_id("ev")
        for _ in attempts(self._max_attempts):
            previous = self._last_event(incident_id)
            event = chain_event(
                previous,
                incident_id=incident_id,
                actor=actor,
                action=action,
                details=details,
                event_id=chosen_id,
                at=self._clock(),
            )
            codes = self._write(event)
            if codes is None:
                return event
            if codes[1] == CONDITION_FAILED:
                appended = self._by_event_id(chosen_id)
                if appended is not None:
                    return appended
            # another writer took this seq: chain onto theirs
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
        return [AuditEvent.model_validate_json(required_text(i, "data")) for i in items]

    def incident_ids(self) -> list[str]:
        found: set[str] = set()
        with translated_errors("audit incident ids"):
            for page in self._client.get_paginator("scan").paginate(
                TableName=self.table,
                ProjectionExpression="incident_id",
                FilterExpression="seq > :zero",  # skip event-id markers
                ExpressionAttributeValues={":zero": n(0)},
                ConsistentRead=True,
            ):
                found.update(required_text(item, "incident_id") for item in page.get("Items", []))
        return sorted(found)

    def _write(self, event: AuditEvent) -> list[str] | None:
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
        with translated_errors("audit append"):
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.table,
                                "Item": item,
                                "ConditionExpression": "attribute_not_exists(seq)",
                            }
                        },
                        {
                            "Put": {
                                "TableName": self.table,
                                "Item": marker,
                                "ConditionExpression": "attribute_not_exists(seq)",
                            }
                        },
                    ]
                )
            except ClientError as exc:
                codes = cancellation_codes(exc)
                if codes is None:
                    raise
                return codes
        return None

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
        return AuditEvent.model_validate_json(required_text(items[0], "data")) if items else None

    def _by_event_id(self, event_id: str) -> AuditEvent | None:
        with translated_errors("audit marker"):
            marker = self._client.get_item(
                TableName=self.table, Key=_marker_key(event_id), ConsistentRead=True
            ).get("Item")
            if marker is None:
                return None
            event_key: Item = {
                "incident_id": s(required_text(marker, "event_incident_id")),
                "seq": n(number(marker, "event_seq") or 0),
            }
            item = self._client.get_item(
                TableName=self.table, Key=event_key, ConsistentRead=True
            ).get("Item")
        return AuditEvent.model_validate_json(required_text(item, "data")) if item else None
