"""The operator API's tokens and idempotency records in the incidents table (single-table).

APITOKEN         / <token id>   a token record (only the token's hash), all in one
                                partition so `list_tokens` is one query
APIIDEM#<key>    / APIIDEM      an idempotency record, `expires_at` for DynamoDB's TTL
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.errors import is_condition_failure, translated_errors
from bot.adapters.dynamodb.items import Item, n, required_text, s
from bot.adapters.dynamodb.single_table import OnSingleTable
from bot.adapters.dynamodb.tables import TTL_ATTRIBUTE
from bot.domain.api_tokens import ApiToken, IdempotencyRecord, IdempotencyState

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

TOKENS_PK = "APITOKEN"


def _token_key(token_id: str) -> Item:
    return {"pk": s(TOKENS_PK), "sk": s(token_id)}


def _idempotency_key(key: str) -> Item:
    return {"pk": s(f"APIIDEM#{key}"), "sk": s("APIIDEM")}


class DynamoApiTokens(OnSingleTable):
    def add(self, token: ApiToken) -> None:
        item = _token_key(token.id)
        item["data"] = s(token.model_dump_json())
        if not self._table.put_if_absent(item, "add api token"):
            raise ValueError(f"api token {token.id} exists already")

    def get(self, token_id: str) -> ApiToken | None:
        item = self._table.get_item(_token_key(token_id))
        return ApiToken.model_validate_json(required_text(item, "data")) if item else None

    def list_tokens(self) -> list[ApiToken]:
        items = self._table.query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": s(TOKENS_PK)},
            ConsistentRead=True,
        )
        tokens = [ApiToken.model_validate_json(required_text(i, "data")) for i in items]
        return sorted(tokens, key=lambda t: (t.created_at, t.id))

    def revoke(self, token_id: str, at: datetime) -> ApiToken | None:
        token = self.get(token_id)
        if token is None or token.revoked_at is not None:
            return token
        revoked = token.model_copy(update={"revoked_at": at})
        with translated_errors("revoke api token"):
            try:
                self._table.client.put_item(
                    TableName=self.table,
                    Item={**_token_key(token_id), "data": s(revoked.model_dump_json())},
                    ConditionExpression="#d = :before",  # a concurrent revoke keeps its time
                    ExpressionAttributeNames={"#d": "data"},
                    ExpressionAttributeValues={":before": s(token.model_dump_json())},
                )
            except ClientError as exc:
                if is_condition_failure(exc):
                    return self.get(token_id)
                raise
        return revoked


class DynamoIdempotencyRecords(OnSingleTable):
    def begin(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        item = _idempotency_key(record.key)
        item.update(
            {
                "blob": _packed(record),
                "state": s(record.state.value),
                TTL_ATTRIBUTE: n(int(record.expires_at.timestamp())),
            }
        )
        with translated_errors("begin idempotent request"):
            try:
                self._table.client.put_item(
                    TableName=self.table,
                    Item=item,
                    # DynamoDB's TTL deletes lazily: an expired record may still be there
                    ConditionExpression="attribute_not_exists(pk) OR #exp <= :now",
                    ExpressionAttributeNames={"#exp": TTL_ATTRIBUTE},
                    ExpressionAttributeValues={":now": n(int(record.created_at.timestamp()))},
                )
            except ClientError as exc:
                if not is_condition_failure(exc):
                    raise
                stored = self._table.get_item(_idempotency_key(record.key))
                if stored is None:  # released between our put and this read: try once more
                    return self.begin(record)
                return _unpacked(stored)
        return None

    def complete(self, key: str, status_code: int, body: str) -> None:
        stored = self._table.get_item(_idempotency_key(key))
        if stored is None:
            return
        done = _unpacked(stored).model_copy(
            update={"state": IdempotencyState.COMPLETED, "status_code": status_code, "body": body}
        )
        with translated_errors("complete idempotent request"):
            self._table.client.update_item(
                TableName=self.table,
                Key=_idempotency_key(key),
                UpdateExpression="SET #b = :b, #st = :st",
                ExpressionAttributeNames={"#b": "blob", "#st": "state"},
                ExpressionAttributeValues={
                    ":b": _packed(done),
                    ":st": s(done.state.value),
                },
            )

    def release(self, key: str) -> None:
        with translated_errors("release idempotent request"):
            try:
                self._table.client.delete_item(
                    TableName=self.table,
                    Key=_idempotency_key(key),
                    ConditionExpression="#st = :open",
                    ExpressionAttributeNames={"#st": "state"},
                    ExpressionAttributeValues={":open": s(IdempotencyState.IN_PROGRESS.value)},
                )
            except ClientError as exc:
                if not is_condition_failure(exc):
                    raise


def _packed(record: IdempotencyRecord) -> AttributeValueTypeDef:
    return {"B": zlib.compress(record.model_dump_json().encode("utf-8"))}


def _unpacked(item: Item) -> IdempotencyRecord:
    packed = item["blob"].get("B", b"")
    return IdempotencyRecord.model_validate_json(zlib.decompress(packed))
