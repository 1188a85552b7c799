"""Fixtures for the approval gate: real stores (SQLite file or DynamoDB on moto's server),
a real StatuspageClient and the fake Statuspage server on a random port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.adapters.dynamodb.audit_log import DynamoAuditLog
from bot.adapters.dynamodb.draft_store import DynamoDraftStore
from bot.adapters.dynamodb.incident_store import DynamoIncidentStore
from bot.adapters.dynamodb.tables import create_tables
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.draft_store import SqliteDraftStore
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.statuspage.client import StatuspageClient
from bot.domain.models import AlertSource, DraftStatus, Incident, StatusPageDraft
from bot.domain.severity import Severity
from bot.gates.status_page import StatusPageApprovalGate
from bot.ports.audit import AuditLog
from bot.ports.drafts import DraftStore
from bot.ports.store import IncidentStore
from tests.contract.conftest import (
    TEST_KEYS,
    dynamodb_client,
    moto_server,  # noqa: F401 - the one-request-at-a-time moto
)
from tests.fakes.statuspage import FakeStatuspage, running_statuspage

APPROVERS = frozenset({"UAPPROVER", "UOTHER", "UDRAFTER"})


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str


def listed_approvers(user: str, incident: Incident) -> Verdict:
    """The approval policy for these tests: a fixed list, like MARSHAL_APPROVERS."""
    if user in APPROVERS:
        return Verdict(True, "listed approver")
    return Verdict(False, "only listed approvers may approve status-page posts")


class InterleavingDraftStore(SqliteDraftStore):
    """The real SQLite draft store; `interleave(method, n, step)` runs another writer's
    `step` just before this store's n-th call of `method`, to pin down a race."""

    def __init__(self, database: SqliteDatabase) -> None:
        super().__init__(database)
        self._calls: dict[str, int] = {}
        self._steps: dict[tuple[str, int], Callable[[], object]] = {}

    def interleave(self, method: str, nth: int, step: Callable[[], object]) -> None:
        self._steps[(method, self._calls.get(method, 0) + nth)] = step

    def _before(self, method: str) -> None:
        self._calls[method] = self._calls.get(method, 0) + 1
        step = self._steps.pop((method, self._calls[method]), None)
        if step:
            step()

    def get(self, draft_id: str) -> StatusPageDraft | None:
        self._before("get")
        return super().get(draft_id)

    def update(
        self, draft: StatusPageDraft, *, expected_version: int, expected_status: DraftStatus
    ) -> StatusPageDraft:
        self._before("update")
        return super().update(
            draft, expected_version=expected_version, expected_status=expected_status
        )


@dataclass
class GateWorld:
    gate: StatusPageApprovalGate
    drafts: DraftStore
    audit: AuditLog
    store: IncidentStore
    statuspage: FakeStatuspage
    client: StatuspageClient
    incident: Incident
    other_writer: DraftStore
    database: SqliteDatabase | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def incident_with(self, **changes: Any) -> Incident:
        incident = Incident(
            source=AlertSource.GENERIC,
            group_key=f"grp-{changes.get('title', 'x')}",
            title="Search is slow",
            severity=Severity.P3,
            service="search",
        ).model_copy(update=changes)
        created, _ = self.store.create_if_absent(incident)
        return created


def make_client(fake: FakeStatuspage, *, max_attempts: int = 2) -> StatuspageClient:
    return StatuspageClient(
        fake.url,
        SecretStr(fake.api_key),
        fake.page_id,
        timeout=1.0,
        requests_per_second=1000.0,
        max_attempts=max_attempts,
        backoff_seconds=0.001,
        sleep=lambda _seconds: None,
    )


def first_incident(store: IncidentStore) -> Incident:
    incident = Incident(
        source=AlertSource.GENERIC,
        group_key="grp-checkout",
        title="Checkout errors",
        severity=Severity.P1,
        service="checkout",
        description="jane.doe@example.com says card 4111 fails",
        oncall=["alice@example.com", "U0ALICE"],
    )
    created, _ = store.create_if_absent(incident)
    return created


def build_world(
    kind: str, tmp_path: Path, fake: FakeStatuspage, request: pytest.FixtureRequest
) -> GateWorld:
    database: SqliteDatabase | None = None
    if kind == "sqlite":
        database = SqliteDatabase(tmp_path / "marshal.db")
        drafts: DraftStore = InterleavingDraftStore(database)
        other: DraftStore = SqliteDraftStore(database)
        audit: AuditLog = SqliteAuditLog(database)
        store: IncidentStore = SqliteIncidentStore(database)
    else:
        request.getfixturevalue("aws")
        client = dynamodb_client()
        create_tables(client, "gate-")
        drafts = other = DynamoDraftStore(client, "gate-")
        audit = DynamoAuditLog(client, "gate-", keys=TEST_KEYS)
        store = DynamoIncidentStore(client, "gate-")
    statuspage_client = make_client(fake)
    gate = StatusPageApprovalGate(
        drafts=drafts,
        audit=audit,
        incidents=store,
        status_page=statuspage_client,
        may_approve=listed_approvers,
    )
    return GateWorld(
        gate=gate,
        drafts=drafts,
        audit=audit,
        store=store,
        statuspage=fake,
        client=statuspage_client,
        incident=first_incident(store),
        other_writer=other,
        database=database,
    )


@pytest.fixture
def statuspage() -> Iterator[FakeStatuspage]:
    with running_statuspage() as fake:
        yield fake


@pytest.fixture
def world(
    tmp_path: Path, statuspage: FakeStatuspage, request: pytest.FixtureRequest
) -> Iterator[GateWorld]:
    made = build_world("sqlite", tmp_path, statuspage, request)
    yield made
    assert made.database is not None
    made.database.close()


@pytest.fixture(params=["sqlite", "dynamodb"])
def any_world(
    tmp_path: Path, statuspage: FakeStatuspage, request: pytest.FixtureRequest
) -> Iterator[GateWorld]:
    made = build_world(request.param, tmp_path, statuspage, request)
    yield made
    if made.database is not None:
        made.database.close()
