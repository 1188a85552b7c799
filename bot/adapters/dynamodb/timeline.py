"""The Timeline port on DynamoDB: entries sit in their incident's partition (`TL#<id>`)."""

from __future__ import annotations

from bot.adapters.dynamodb.errors import translated_errors
from bot.adapters.dynamodb.incident_items import timeline_key
from bot.adapters.dynamodb.items import required_text, s
from bot.adapters.dynamodb.single_table import OnSingleTable
from bot.adapters.listing import time_key
from bot.domain.models import TimelineEntry


class DynamoTimeline(OnSingleTable):
    def add_timeline(self, entry: TimelineEntry) -> None:
        item = timeline_key(entry.incident_id, entry.id)
        item["data"] = s(entry.model_dump_json())
        item["at_key"] = s(time_key(entry.at))
        if entry.source_ref is not None:
            item["source_ref"] = s(entry.source_ref)
        with translated_errors("add_timeline"):
            self._table.client.put_item(TableName=self.table, Item=item)

    def remove_timeline(self, incident_id: str, entry_id: str) -> bool:
        with translated_errors("remove_timeline"):
            result = self._table.client.delete_item(
                TableName=self.table,
                Key=timeline_key(incident_id, entry_id),
                ReturnValues="ALL_OLD",
            )
        return bool(result.get("Attributes"))

    def find_timeline_by_ref(self, incident_id: str, source_ref: str) -> TimelineEntry | None:
        found = [e for e in self.list_timeline(incident_id) if e.source_ref == source_ref]
        return found[0] if found else None

    def list_timeline(self, incident_id: str) -> list[TimelineEntry]:
        items = self._table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :tl)",
            ExpressionAttributeValues={":pk": s(f"INC#{incident_id}"), ":tl": s("TL#")},
            ConsistentRead=True,
        )
        # sorted like SQLite's (at, id) so both backends list identically
        items.sort(key=lambda i: (required_text(i, "at_key"), required_text(i, "sk")))
        return [TimelineEntry.model_validate_json(required_text(i, "data")) for i in items]
