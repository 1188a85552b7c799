"""The test double's own promise (tests/fakes/moto.py): with per-item transactions, a cancelled
TransactWriteItems leaves the table exactly as it found it, items it named and items it did
not, and a committed one applies every write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from mypy_boto3_dynamodb import DynamoDBClient

from tests.fakes.moto import moto_dynamodb, serialised_moto


@pytest.fixture(scope="module")
def client() -> Iterator[DynamoDBClient]:
    with serialised_moto() as url:
        dynamodb = moto_dynamodb(url)
        dynamodb.create_table(
            TableName="t",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield dynamodb


def _key(pk: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": pk}, "sk": {"S": "x"}}


def _get(client: DynamoDBClient, pk: str) -> dict[str, Any] | None:
    return client.get_item(TableName="t", Key=_key(pk), ConsistentRead=True).get("Item")


def test_a_cancelled_transaction_restores_only_what_it_named(client: DynamoDBClient) -> None:
    client.put_item(TableName="t", Item={**_key("kept"), "v": {"N": "1"}})
    client.put_item(TableName="t", Item={**_key("updated"), "v": {"N": "1"}})
    client.put_item(TableName="t", Item={**_key("bystander"), "v": {"N": "7"}})

    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {**_key("new"), "v": {"N": "1"}}}},
                {
                    "Update": {
                        "TableName": "t",
                        "Key": _key("updated"),
                        "UpdateExpression": "SET v = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}},
                    }
                },
                {"Delete": {"TableName": "t", "Key": _key("kept")}},
                {
                    "ConditionCheck": {
                        "TableName": "t",
                        "Key": _key("bystander"),
                        "ConditionExpression": "v = :zero",
                        "ExpressionAttributeValues": {":zero": {"N": "0"}},
                    }
                },
            ]
        )

    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _get(client, "new") is None
    assert _get(client, "updated") == {**_key("updated"), "v": {"N": "1"}}
    assert _get(client, "kept") == {**_key("kept"), "v": {"N": "1"}}
    assert _get(client, "bystander") == {**_key("bystander"), "v": {"N": "7"}}


def test_a_committed_transaction_applies_every_write(client: DynamoDBClient) -> None:
    client.put_item(TableName="t", Item={**_key("gone"), "v": {"N": "1"}})

    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": "t", "Item": {**_key("made"), "v": {"N": "3"}}}},
            {"Delete": {"TableName": "t", "Key": _key("gone")}},
        ]
    )

    assert _get(client, "made") == {**_key("made"), "v": {"N": "3"}}
    assert _get(client, "gone") is None
