"""The contract suite's backends: every test taking `backend` runs once per store adapter.

DynamoDB runs over HTTP against moto's server, one request at a time (see
tests/fakes/moto.py for why).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import boto3
import pytest
from mypy_boto3_dynamodb import DynamoDBClient

from bot.adapters.dynamodb.audit_log import DynamoAuditLog
from bot.adapters.dynamodb.incident_store import DynamoIncidentStore
from bot.adapters.dynamodb.tables import TableNames, create_tables
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit import AuditEvent
from bot.domain.audit_keys import AuditKeyring
from bot.domain.ids import new_id
from bot.domain.models import Alert, AlertSource, AlertStatus, Incident
from bot.domain.severity import Severity
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore, Intake, OutboxEvent
from tests.conftest import AwsEndpoint
from tests.fakes.moto import serialised_moto

BACKENDS = ["sqlite", "dynamodb"]
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[AwsEndpoint]:
    with serialised_moto() as url:
        yield AwsEndpoint(url=url)


class FakeClock:
    """A clock tests move by hand, so TTL expiry needs no sleeping."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


# The audit key the contract backends seal with; tampering tests never use it.
TEST_KEYS = AuditKeyring.from_text("contract-suite-audit-key-0123456789abcdef")


class Tamper(Protocol):
    """Direct edits to stored audit events and anchored heads, behind the adapter's back."""

    def edit(self, incident_id: str, seq: int, **changes: Any) -> None: ...

    def remove(self, incident_id: str, seq: int) -> None: ...

    def swap(self, incident_id: str, seq_a: int, seq_b: int) -> None: ...

    def data(self, incident_id: str, seq: int) -> str: ...

    def set_data(self, incident_id: str, seq: int, data: str) -> None: ...

    def move_head(self, incident_id: str, seq: int, event_hash: str) -> None:
        """Point the incident record's anchored head at another event (keeping its MAC)."""

    def clear_head(self, incident_id: str) -> None:
        """Remove the anchored head from the incident record."""


@dataclass
class SqliteTamper:
    database: SqliteDatabase

    def data(self, incident_id: str, seq: int) -> str:
        return self._data(incident_id, seq)

    def set_data(self, incident_id: str, seq: int, data: str) -> None:
        self._set(incident_id, seq, data)

    def move_head(self, incident_id: str, seq: int, event_hash: str) -> None:
        self.database.write(
            "UPDATE incidents SET audit_seq = ?, audit_hash = ? WHERE id = ?",
            (seq, event_hash, incident_id),
        )

    def clear_head(self, incident_id: str) -> None:
        self.database.write(
            "UPDATE incidents SET audit_seq = NULL, audit_hash = NULL, audit_key_id = NULL, "
            "audit_mac = NULL WHERE id = ?",
            (incident_id,),
        )

    def _data(self, incident_id: str, seq: int) -> str:
        row = self.database.fetch_one(
            "SELECT data FROM audit_events WHERE incident_id = ? AND seq = ?",
            (incident_id, seq),
        )
        assert row is not None
        return str(row[0])

    def _set(self, incident_id: str, seq: int, data: str) -> None:
        self.database.write(
            "UPDATE audit_events SET data = ? WHERE incident_id = ? AND seq = ?",
            (data, incident_id, seq),
        )

    def edit(self, incident_id: str, seq: int, **changes: Any) -> None:
        event = AuditEvent.model_validate_json(self._data(incident_id, seq))
        self._set(incident_id, seq, event.model_copy(update=changes).model_dump_json())

    def remove(self, incident_id: str, seq: int) -> None:
        self.database.write(
            "DELETE FROM audit_events WHERE incident_id = ? AND seq = ?", (incident_id, seq)
        )

    def swap(self, incident_id: str, seq_a: int, seq_b: int) -> None:
        a, b = self._data(incident_id, seq_a), self._data(incident_id, seq_b)
        self._set(incident_id, seq_a, b)
        self._set(incident_id, seq_b, a)


@dataclass
class DynamoTamper:
    client: DynamoDBClient
    table: str
    incidents_table: str

    def data(self, incident_id: str, seq: int) -> str:
        return self._data(incident_id, seq)

    def set_data(self, incident_id: str, seq: int, data: str) -> None:
        self._set(incident_id, seq, data)

    def _incident_key(self, incident_id: str) -> dict[str, Any]:
        return {"pk": {"S": f"INC#{incident_id}"}, "sk": {"S": "INCIDENT"}}

    def move_head(self, incident_id: str, seq: int, event_hash: str) -> None:
        self.client.update_item(
            TableName=self.incidents_table,
            Key=self._incident_key(incident_id),
            UpdateExpression="SET audit_seq = :s, audit_hash = :h",
            ExpressionAttributeValues={":s": {"N": str(seq)}, ":h": {"S": event_hash}},
        )

    def clear_head(self, incident_id: str) -> None:
        self.client.update_item(
            TableName=self.incidents_table,
            Key=self._incident_key(incident_id),
            UpdateExpression="REMOVE audit_seq, audit_hash, audit_key_id, audit_mac",
        )

    def _key(self, incident_id: str, seq: int) -> dict[str, Any]:
        return {"incident_id": {"S": incident_id}, "seq": {"N": str(seq)}}

    def _data(self, incident_id: str, seq: int) -> str:
        item = self.client.get_item(
            TableName=self.table, Key=self._key(incident_id, seq), ConsistentRead=True
        )["Item"]
        return item["data"]["S"]

    def _set(self, incident_id: str, seq: int, data: str) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=self._key(incident_id, seq),
            UpdateExpression="SET #d = :d",
            ExpressionAttributeNames={"#d": "data"},
            ExpressionAttributeValues={":d": {"S": data}},
        )

    def edit(self, incident_id: str, seq: int, **changes: Any) -> None:
        event = AuditEvent.model_validate_json(self._data(incident_id, seq))
        self._set(incident_id, seq, event.model_copy(update=changes).model_dump_json())

    def remove(self, incident_id: str, seq: int) -> None:
        self.client.delete_item(TableName=self.table, Key=self._key(incident_id, seq))

    def swap(self, incident_id: str, seq_a: int, seq_b: int) -> None:
        a, b = self._data(incident_id, seq_a), self._data(incident_id, seq_b)
        self._set(incident_id, seq_a, b)
        self._set(incident_id, seq_b, a)


@dataclass
class Backend:
    name: str
    store: IncidentStore
    audit: AuditLog
    clock: FakeClock
    tamper: Tamper
    closers: list[Callable[[], None]] = field(default_factory=list)


def sqlite_backend(path: Path) -> Backend:
    clock = FakeClock()
    database = SqliteDatabase(path)
    return Backend(
        name="sqlite",
        store=SqliteIncidentStore(database, clock=clock),
        audit=SqliteAuditLog(database, keys=TEST_KEYS, clock=clock),
        clock=clock,
        tamper=SqliteTamper(database),
        closers=[database.close],
    )


def dynamodb_backend(client: DynamoDBClient, prefix: str) -> Backend:
    """A backend on tables that already exist (made by create_tables or CloudFormation)."""
    clock = FakeClock()
    return Backend(
        name="dynamodb",
        store=DynamoIncidentStore(client, prefix, clock=clock),
        audit=DynamoAuditLog(client, prefix, keys=TEST_KEYS, clock=clock),
        clock=clock,
        tamper=DynamoTamper(
            client, TableNames.for_prefix(prefix).audit, TableNames.for_prefix(prefix).incidents
        ),
    )


def dynamodb_client() -> DynamoDBClient:
    return boto3.client("dynamodb", region_name="us-east-1")


def open_backend(request: pytest.FixtureRequest, path: Path, prefix: str) -> Iterator[Backend]:
    """The backend `request.param` names: SQLite at `path`, or DynamoDB tables under `prefix`
    in a clean moto account; closed when the test is done."""
    if request.param == "sqlite":
        made = sqlite_backend(path)
    else:
        request.getfixturevalue("aws")
        client = dynamodb_client()
        create_tables(client, prefix)
        made = dynamodb_backend(client, prefix)
    yield made
    for close in made.closers:
        close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    yield from open_backend(request, tmp_path / "nested" / "marshal.db", "test-")


def make_alert(
    group_key: str = "grp-1",
    *,
    external_id: str | None = None,
    status: AlertStatus = AlertStatus.FIRING,
    received_at: datetime = T0,
    title: str = "API error rate above 5%",
) -> Alert:
    return Alert(
        source=AlertSource.GENERIC,
        external_id=external_id or new_id("ext"),
        group_key=group_key,
        status=status,
        title=title,
        severity=Severity.P2,
        service="api",
        received_at=received_at,
    )


def make_event(incident_id: str = "pending", *, created_at: datetime = T0) -> OutboxEvent:
    return OutboxEvent(
        event_id=new_id("ob"),
        incident_id=incident_id,
        event_type="incident.triggered",
        payload={"why": "test"},
        created_at=created_at,
    )


def ingest(store: IncidentStore, alert: Alert) -> Intake:
    intake = store.ingest(alert, Incident.from_alert(alert), make_event())
    assert intake is not None  # a new incident was offered, so the alert always lands
    return intake
