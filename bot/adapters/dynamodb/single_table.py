"""SingleTable: the one DynamoDB table that holds incidents, alerts, outbox, timeline and claims.

Every item type of the store lives in `<prefix>incidents` (keys in incident_items.py, indexes
in tables.py). The per-port adapters (incidents, outbox, timeline, claims) share one
SingleTable: its client, table name, clock and the plumbing every one of them needs (reads,
paged queries, transactions, create-if-absent puts), with boto3 failures translated into the
domain's errors on the way out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.errors import (
    Cancellation,
    cancellation_reasons,
    is_condition_failure,
    translated_errors,
)
from bot.adapters.dynamodb.items import Item
from bot.adapters.dynamodb.tables import TableNames
from bot.domain.models import utcnow

if TYPE_CHECKING:  # stub packages: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef, UpdateTypeDef


@dataclass(frozen=True)
class SingleTable:
    client: DynamoDBClient
    name: str
    clock: Callable[[], datetime] = utcnow
    # optimistic writes that keep losing races give up after this many tries (contention.py)
    max_attempts: int = 64

    @classmethod
    def for_prefix(
        cls,
        client: DynamoDBClient,
        table_prefix: str = "marshal-",
        *,
        clock: Callable[[], datetime] = utcnow,
        max_attempts: int = 64,
    ) -> SingleTable:
        return cls(client, TableNames.for_prefix(table_prefix).incidents, clock, max_attempts)

    def ping(self) -> None:
        with translated_errors("ping"):
            self.client.describe_table(TableName=self.name)

    def get_item(self, key: Item, *, consistent: bool = True) -> Item | None:
        with translated_errors("get_item"):
            result = self.client.get_item(TableName=self.name, Key=key, ConsistentRead=consistent)
        return result.get("Item")

    def get_items(self, keys: list[Item]) -> list[Item]:
        """The items stored under `keys` (absent ones left out), strongly consistent, in one
        BatchGetItem (again only for keys DynamoDB hands back unprocessed)."""
        found: list[Item] = []
        pending = keys
        while pending:
            with translated_errors("batch_get_item"):
                result = self.client.batch_get_item(
                    RequestItems={self.name: {"Keys": pending, "ConsistentRead": True}}
                )
            found.extend(result.get("Responses", {}).get(self.name, []))
            unprocessed = result.get("UnprocessedKeys", {}).get(self.name)
            pending = list(unprocessed["Keys"]) if unprocessed else []
        return found

    def query(self, *, stop_after: int | None = None, **kwargs: Any) -> list[Item]:
        """Every page of a query (or of an index query), or the first `stop_after` items."""
        items: list[Item] = []
        for page in self._pages(stop_after, kwargs):
            items.extend(page)
            if stop_after is not None and len(items) >= stop_after:
                break
        return items

    def _pages(self, stop_after: int | None, kwargs: dict[str, Any]) -> Iterator[list[Item]]:
        start: Item | None = None
        while True:
            request = dict(kwargs, TableName=self.name)
            if stop_after is not None:
                request["Limit"] = stop_after
            if start is not None:
                request["ExclusiveStartKey"] = start
            with translated_errors("query"):
                result = self.client.query(**request)
            yield result.get("Items", [])
            start = result.get("LastEvaluatedKey")
            if start is None:
                return

    def transact(
        self, writes: list[TransactWriteItemTypeDef], what: str
    ) -> list[Cancellation] | None:
        """None when the transaction committed, else why each item was cancelled (with the
        stored item where a write asked for it with ReturnValuesOnConditionCheckFailure)."""
        with translated_errors(what):
            try:
                self.client.transact_write_items(TransactItems=writes)
            except ClientError as exc:
                reasons = cancellation_reasons(exc)
                if reasons is None:
                    raise
                return reasons
        return None

    def update_if(self, update: UpdateTypeDef, what: str) -> bool:
        """One conditional UpdateItem (the shape a transaction's Update takes); False, and
        nothing written, when its condition fails."""
        with translated_errors(what):
            try:
                self.client.update_item(**update)
            except ClientError as exc:
                if is_condition_failure(exc):
                    return False
                raise
        return True

    def put_if_absent(self, item: Item, what: str) -> bool:
        """Create `item`; False (and nothing written) when its key is already taken."""
        with translated_errors(what):
            try:
                self.client.put_item(
                    TableName=self.name, Item=item, ConditionExpression="attribute_not_exists(pk)"
                )
            except ClientError as exc:
                if is_condition_failure(exc):
                    return False
                raise
        return True


class OnSingleTable:
    """Base of the per-port adapters: each one works on the shared SingleTable."""

    def __init__(self, table: SingleTable) -> None:
        self._table = table

    @property
    def table(self) -> str:
        """The table's name (`<prefix>incidents`)."""
        return self._table.name

    @property
    def single_table(self) -> SingleTable:
        """The shared table, for writers that build transactions across ports (the alert
        ledger)."""
        return self._table

    @property
    def _clock(self) -> Callable[[], datetime]:
        return self._table.clock
