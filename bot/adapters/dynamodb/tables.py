"""The DynamoDB tables marshal uses: names, key design, creation for local runs and tests.

`infra/cloudformation.yaml` declares exactly these tables; a test keeps the two alike.

incidents table (pk, sk), one item type per `pk` prefix:
  INC#<id>     / INCIDENT       the incident (GSIs: by channel, all and open newest first),
                                with its audit chain's anchored head (audit_seq, audit_hash,
                                audit_key_id, audit_mac; see audit_anchor.py)
  INC#<id>     / TL#<entry id>  its timeline entries
  GROUP#<key>  / GROUP          which open incident holds an alert group
  ALERT#<key>  / ALERT          an accepted notification (re-send dedup)
  OUTBOX#<id>  / OUTBOX         an outbox event (GSI: pending ones, oldest first)
  CLAIM#<key>  / CLAIM          a create-if-absent claim, `expires_at` for TTL
  FU#<id>, FUX#<index>#<value>  follow-ups and their index items (see followups.py)
audit table (incident_id, seq): one item per event; `event#<event id>` / seq 0 marks an
event id as used, for idempotent appends; `head#<chain>` / seq 0 anchors the head of a chain
that has no incident item (the workspace chain).
drafts table (id): one item per status-page draft (GSI: by incident, oldest first); see
bot/adapters/dynamodb/draft_store.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bot.adapters.dynamodb.errors import error_code, translated_errors
from bot.adapters.dynamodb.items import Item, s

if TYPE_CHECKING:  # stub packages: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeDefinitionTypeDef,
        GlobalSecondaryIndexTypeDef,
        KeySchemaElementTypeDef,
    )

TTL_ATTRIBUTE = "expires_at"
CHANNEL_INDEX = "by-channel"
ALL_INDEX = "all-by-triggered"
OPEN_INDEX = "open-by-triggered"
PENDING_OUTBOX_INDEX = "pending-outbox"
DRAFTS_BY_INCIDENT_INDEX = "drafts-by-incident"


@dataclass(frozen=True)
class TableNames:
    incidents: str
    audit: str
    drafts: str

    @classmethod
    def for_prefix(cls, prefix: str) -> TableNames:
        return cls(incidents=f"{prefix}incidents", audit=f"{prefix}audit", drafts=f"{prefix}drafts")


def incident_item_key(incident_id: str) -> Item:
    """The incident item's key in the incidents table (the layout above)."""
    return {"pk": s(f"INC#{incident_id}"), "sk": s("INCIDENT")}


def _key(hash_key: str, range_key: str | None = None) -> list[KeySchemaElementTypeDef]:
    schema: list[KeySchemaElementTypeDef] = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _index(name: str, hash_key: str, range_key: str | None = None) -> GlobalSecondaryIndexTypeDef:
    return {
        "IndexName": name,
        "KeySchema": _key(hash_key, range_key),
        "Projection": {"ProjectionType": "ALL"},
    }


def _strings(*names: str) -> list[AttributeDefinitionTypeDef]:
    return [{"AttributeName": n, "AttributeType": "S"} for n in names]


def table_definitions(prefix: str) -> list[dict[str, Any]]:
    """CreateTable arguments for every table (without billing, TTL and PITR settings)."""
    names = TableNames.for_prefix(prefix)
    return [
        {
            "TableName": names.incidents,
            "AttributeDefinitions": _strings(
                "pk",
                "sk",
                "channel_id",
                "list_pk",
                "open_pk",
                "triggered_key",
                "outbox_pending",
                "created_key",
            ),
            "KeySchema": _key("pk", "sk"),
            "GlobalSecondaryIndexes": [
                _index(CHANNEL_INDEX, "channel_id"),
                _index(ALL_INDEX, "list_pk", "triggered_key"),
                _index(OPEN_INDEX, "open_pk", "triggered_key"),
                _index(PENDING_OUTBOX_INDEX, "outbox_pending", "created_key"),
            ],
        },
        {
            "TableName": names.audit,
            "AttributeDefinitions": [
                {"AttributeName": "incident_id", "AttributeType": "S"},
                {"AttributeName": "seq", "AttributeType": "N"},
            ],
            "KeySchema": _key("incident_id", "seq"),
        },
        {
            "TableName": names.drafts,
            "AttributeDefinitions": _strings("id", "incident_id", "created_key"),
            "KeySchema": _key("id"),
            "GlobalSecondaryIndexes": [
                _index(DRAFTS_BY_INCIDENT_INDEX, "incident_id", "created_key"),
            ],
        },
    ]


def create_tables(client: DynamoDBClient, prefix: str) -> TableNames:
    """Create every table as infra/cloudformation.yaml does; fails if one already exists."""
    for definition in table_definitions(prefix):
        _create(client, definition)
    return TableNames.for_prefix(prefix)


def ensure_tables(client: DynamoDBClient, prefix: str) -> TableNames:
    """Create the tables that are missing (local emulation, `marshal up` on DynamoDB)."""
    with translated_errors("listing tables"):
        existing = set(_table_names(client))
    for definition in table_definitions(prefix):
        if definition["TableName"] not in existing:
            _create(client, definition)
    return TableNames.for_prefix(prefix)


def _table_names(client: DynamoDBClient) -> list[str]:
    names: list[str] = []
    paginator = client.get_paginator("list_tables")
    for page in paginator.paginate():
        names.extend(page.get("TableNames", []))
    return names


def _create(client: DynamoDBClient, definition: dict[str, Any]) -> None:
    name = definition["TableName"]
    with translated_errors(f"creating table {name}"):
        client.create_table(**definition, BillingMode="PAY_PER_REQUEST")
        client.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
        try:
            client.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        except ClientError as exc:
            # DynamoDB Local does not implement PITR; a table without it still works
            if error_code(exc) not in {"UnknownOperationException", "UnrecognizedClientException"}:
                raise
