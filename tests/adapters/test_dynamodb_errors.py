"""DynamoDB adapters turn an unreachable endpoint or a missing table into BackendUnavailable."""

from __future__ import annotations

import socket

import boto3
import pytest
from botocore.config import Config

from bot.adapters.dynamodb.audit_log import DynamoAuditLog
from bot.adapters.dynamodb.incident_store import DynamoIncidentStore
from bot.adapters.dynamodb.tables import TableNames, ensure_tables
from bot.domain.audit import AuditAction
from bot.domain.errors import BackendUnavailable
from tests.conftest import AwsEndpoint
from tests.contract.conftest import TEST_KEYS


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_endpoint_is_backend_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{_closed_port()}",
        config=Config(connect_timeout=1, retries={"max_attempts": 1}),
    )
    store = DynamoIncidentStore(client, "x-")

    with pytest.raises(BackendUnavailable, match="unreachable"):
        store.ping()
    with pytest.raises(BackendUnavailable):
        store.get("inc-1")
    with pytest.raises(BackendUnavailable):
        DynamoAuditLog(client, "x-", keys=TEST_KEYS).append(
            "inc-1", actor="U1", action=AuditAction.ACKNOWLEDGED
        )


def test_missing_tables_fail_ping_until_ensure_tables_creates_them(aws: AwsEndpoint) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    store = DynamoIncidentStore(client, "fresh-")
    with pytest.raises(BackendUnavailable):
        store.ping()

    ensure_tables(client, "fresh-")
    ensure_tables(client, "fresh-")  # idempotent

    store.ping()
    names = TableNames.for_prefix("fresh-")
    listed = client.list_tables()["TableNames"]
    assert names.incidents in listed and names.audit in listed
    ttl = client.describe_time_to_live(TableName=names.audit)["TimeToLiveDescription"]
    assert ttl.get("AttributeName") == "expires_at"
