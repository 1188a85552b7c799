"""The Outbox port on DynamoDB: pending events carry a sparse `outbox_pending` index key,
which marking an event sent removes."""

from __future__ import annotations

from datetime import datetime

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.errors import is_condition_failure, translated_errors
from bot.adapters.dynamodb.incident_items import PENDING, outbox_item, outbox_key, outbox_of
from bot.adapters.dynamodb.items import s
from bot.adapters.dynamodb.single_table import OnSingleTable
from bot.adapters.dynamodb.tables import PENDING_OUTBOX_INDEX
from bot.adapters.listing import time_key
from bot.ports.store import OutboxEvent


class DynamoOutbox(OnSingleTable):
    def pending_outbox(self, *, older_than: datetime, limit: int = 100) -> list[OutboxEvent]:
        items = self._table.query(
            IndexName=PENDING_OUTBOX_INDEX,
            KeyConditionExpression="outbox_pending = :p AND created_key < :t",
            ExpressionAttributeValues={":p": s(PENDING), ":t": s(time_key(older_than))},
            stop_after=limit,
        )
        return [outbox_of(i) for i in items[:limit]]

    def mark_outbox_sent(self, event_id: str) -> None:
        # The read stays: the new `data` is the stored event with sent_at set.
        item = self._table.get_item(outbox_key(event_id))
        if item is None:
            return
        event = outbox_of(item)
        if event.sent_at is not None:
            return
        sent = event.model_copy(update={"sent_at": self._clock()})
        with translated_errors("mark_outbox_sent"):
            try:
                self._table.client.update_item(
                    TableName=self.table,
                    Key=outbox_key(event_id),
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
        self._table.put_if_absent(outbox_item(event), "add_outbox")
