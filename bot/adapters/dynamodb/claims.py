"""The Claims port on DynamoDB: a conditional put per key, with DynamoDB's TTL attribute."""

from __future__ import annotations

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.errors import is_condition_failure, translated_errors
from bot.adapters.dynamodb.incident_items import claim_key
from bot.adapters.dynamodb.items import n, number, s
from bot.adapters.dynamodb.single_table import OnSingleTable
from bot.adapters.dynamodb.tables import TTL_ATTRIBUTE


class DynamoClaims(OnSingleTable):
    def claim(self, key: str, owner: str, *, ttl_seconds: int | None = None) -> bool:
        now = int(self._clock().timestamp())
        item = claim_key(key)
        item["owner"] = s(owner)
        if ttl_seconds is not None:
            item[TTL_ATTRIBUTE] = n(now + ttl_seconds)
        with translated_errors("claim"):
            try:
                self._table.client.put_item(
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

    def claimed(self, key: str) -> bool:
        now = int(self._clock().timestamp())
        item = self._table.get_item(claim_key(key), consistent=True)
        if item is None:
            return False
        expires = number(item, TTL_ATTRIBUTE)
        return expires is None or expires > now  # TTL deletes lazily: an expired one may linger
