"""Issue 17, embedded: an accepted alert is one SQLite commit (store, outbox, queue message
and audit event together), and a re-send writes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit import AuditAction
from bot.ingest.catalog import CATALOG
from bot.wiring.backends import Backends, open_backends
from bot.wiring.ingress import build_intake
from tests.web.conftest import SECRETS, fixture_body, ingress_settings


class CommitCount:
    """Counts the write transactions (BEGIN IMMEDIATE ... COMMIT) run on one database."""

    def __init__(self, database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
        self.commits = 0
        real = database.transaction

        @contextmanager
        def counted() -> Iterator[object]:
            with real() as conn:
                yield conn
            self.commits += 1

        monkeypatch.setattr(database, "transaction", counted)

    def since(self, before: int) -> int:
        return self.commits - before


@pytest.fixture
def backends(tmp_path: Path) -> Iterator[Backends]:
    opened = open_backends(ingress_settings(tmp_path))
    yield opened
    opened.close()


def _database(backends: Backends) -> SqliteDatabase:
    assert isinstance(backends.store, SqliteIncidentStore)
    return backends.store.database


def test_a_fresh_alert_is_one_commit_with_its_queue_message_and_audit_event(
    backends: Backends, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = CommitCount(_database(backends), monkeypatch)
    body = fixture_body("alertmanager_firing")
    source = "alertmanager"
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    headers = CATALOG[source].sign(SECRETS[source], body, 0)

    reply = intake.accept(source, body, headers)

    assert reply.status == 202
    assert count.commits == 1
    incident_id = reply.body["incident_id"]
    assert [e.action for e in backends.audit.events(incident_id)] == [AuditAction.INCIDENT_CREATED]
    deliveries = backends.queue.receive(max_messages=10, wait_seconds=0)
    assert [d.message.incident_id for d in deliveries] == [incident_id]
    # committed as sent: the relay has nothing to re-send
    assert backends.store.pending_outbox(older_than=deliveries[0].message.created_at.max) == []

    before = count.commits
    again = intake.accept(source, body, headers)
    assert again.status == 200 and again.body["incident_id"] == incident_id
    assert count.since(before) == 0  # a settled re-send is answered from reads
    assert [e.action for e in backends.audit.events(incident_id)] == [AuditAction.INCIDENT_CREATED]
    assert backends.queue.receive(max_messages=10, wait_seconds=0) == []


def test_an_alert_joining_an_open_incident_is_one_commit_too(
    backends: Backends, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    first = fixture_body("generic_firing")
    sign = CATALOG["generic"].sign
    opened = intake.accept("generic", first, sign(SECRETS["generic"], first, _now()))
    count = CommitCount(_database(backends), monkeypatch)
    second = first.replace(b'"status": "firing"', b'"status": "resolved"')
    assert second != first

    reply = intake.accept("generic", second, sign(SECRETS["generic"], second, _now()))

    assert reply.status == 202 and reply.body["incident_id"] == opened.body["incident_id"]
    assert count.commits == 1
    actions = [e.action for e in backends.audit.events(reply.body["incident_id"])]
    assert actions == [AuditAction.INCIDENT_CREATED, AuditAction.ALERT_RESOLVED]


def _now() -> int:
    return int(time.time())
