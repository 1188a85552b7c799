"""Build the DynamoDB side of MARSHAL_STORE=dynamodb: the client, the store, the audit log,
the draft store and the tables for local emulation.

bot/wiring/stores.py loads this module only when the settings name DynamoDB, so a SQLite
deployment (and every light CLI call) never pays for importing the AWS SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from bot.adapters.aws.call_count import count_calls
from bot.adapters.aws.clients import client_config
from bot.adapters.dynamodb.api_tokens import DynamoApiTokens, DynamoIdempotencyRecords
from bot.adapters.dynamodb.audit_log import DynamoAuditLog
from bot.adapters.dynamodb.draft_store import DynamoDraftStore
from bot.adapters.dynamodb.incident_store import DynamoIncidentStore
from bot.adapters.dynamodb.operation_runs import DynamoOperationRuns
from bot.adapters.dynamodb.single_table import SingleTable
from bot.adapters.dynamodb.tables import ensure_tables
from bot.domain.audit_keys import AuditKeyring
from bot.settings import Settings

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from mypy_boto3_dynamodb import DynamoDBClient


def dynamodb_client(settings: Settings) -> DynamoDBClient:
    """A DynamoDB client with a connection per web worker thread (and the background ones);
    boto3 itself honours AWS_ENDPOINT_URL for local emulators."""
    config = client_config(
        threads=settings.marshal_http_threads, connect_timeout=3, read_timeout=10
    )
    client = boto3.client("dynamodb", region_name=settings.aws_region, config=config)
    count_calls(client)
    return client


def dynamo_store(settings: Settings) -> DynamoIncidentStore:
    return DynamoIncidentStore(dynamodb_client(settings), settings.marshal_table_prefix)


def dynamo_audit_log(settings: Settings, keys: AuditKeyring) -> DynamoAuditLog:
    return DynamoAuditLog(dynamodb_client(settings), settings.marshal_table_prefix, keys=keys)


def dynamo_draft_store(settings: Settings) -> DynamoDraftStore:
    return DynamoDraftStore(dynamodb_client(settings), settings.marshal_table_prefix)


def dynamo_operation_runs(settings: Settings) -> DynamoOperationRuns:
    table = SingleTable.for_prefix(dynamodb_client(settings), settings.marshal_table_prefix)
    return DynamoOperationRuns(table)


def dynamo_api_token_stores(
    settings: Settings,
) -> tuple[DynamoApiTokens, DynamoIdempotencyRecords]:
    table = SingleTable.for_prefix(dynamodb_client(settings), settings.marshal_table_prefix)
    return DynamoApiTokens(table), DynamoIdempotencyRecords(table)


def ensure_dynamodb_tables(settings: Settings) -> None:
    """Create missing DynamoDB tables (local emulation only; production uses CloudFormation)."""
    ensure_tables(dynamodb_client(settings), settings.marshal_table_prefix)
