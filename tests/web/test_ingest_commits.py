"""Issue 17, embedded: an accepted alert is one SQLite commit (store, outbox, queue message
and audit event together), and a re-send writes nothing."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.sqlite.audit_log import FirstEvent, SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.ingest.catalog import CATALOG
from bot.wiring.backends import Backends
from bot.wiring.ingress import build_intake
from tests.web.conftest import SECRETS, fixture_body, ingress_settings, sqlite_database


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


AT_ONCE = "at once: "  # how StatementCount marks a statement run by the reader that never waits


class StatementCount:
    """Counts the SQL statements run on one database's connections (opened from now on)."""

    def __init__(self, database: SqliteDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        database.close()  # connections opened before do not report
        real = database._open

        def traced() -> sqlite3.Connection:
            conn = real()
            conn.set_trace_callback(self.statements.append)
            return conn

        monkeypatch.setattr(database, "_open", traced)
        real_at_once = database._open_at_once

        def traced_at_once() -> sqlite3.Connection:
            conn = real_at_once()
            conn.set_trace_callback(lambda sql: self.statements.append(f"{AT_ONCE}{sql}"))
            return conn

        monkeypatch.setattr(database, "_open_at_once", traced_at_once)

    def since(self, before: int) -> list[str]:
        return [" ".join(s.split()) for s in self.statements[before:] if not s.startswith("--")]


def test_a_fresh_alert_is_one_commit_with_its_queue_message_and_audit_event(
    backends: Backends, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = CommitCount(sqlite_database(backends), monkeypatch)
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
    statements = StatementCount(sqlite_database(backends), monkeypatch)
    count = CommitCount(sqlite_database(backends), monkeypatch)
    second = first.replace(b'"status": "firing"', b'"status": "resolved"')
    assert second != first

    reply = intake.accept("generic", second, sign(SECRETS["generic"], second, _now()))
    written = [s for s in statements.since(0) if not s.startswith(AT_ONCE)]

    assert reply.status == 202 and reply.body["incident_id"] == opened.body["incident_id"]
    assert count.commits == 1
    events = backends.audit.events(reply.body["incident_id"])
    assert [e.action for e in events] == [AuditAction.INCIDENT_CREATED, AuditAction.ALERT_RESOLVED]
    # The storm's path (issue 17): the claiming incident comes with the dedup lookup, and the
    # audit anchor moves by one conditional UPDATE instead of a read and a write.
    assert [" ".join(s.split()[:3]) for s in written] == [
        "BEGIN IMMEDIATE",
        "SAVEPOINT work",
        "SELECT a.incident_id, a.outbox_event_id,",
        "UPDATE incidents SET",
        "INSERT INTO alerts",
        "INSERT OR IGNORE",
        "SELECT seq, data",
        "INSERT INTO audit_events",
        "UPDATE incidents SET",
        "INSERT INTO queue_messages",
        "RELEASE work",
        "COMMIT",
    ], written
    head = backends.audit.head(reply.body["incident_id"])
    assert head is not None and (head.seq, head.hash) == (events[-1].seq, events[-1].hash)


def _now() -> int:
    return int(time.time())


def test_a_settled_re_send_is_answered_by_one_statement_and_no_commit(
    backends: Backends, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 17: a duplicate used to read its dedup record, parse its incident and outbox
    # event and look up its audit event, four statements, and to build an incident, an
    # outbox event and their ids before asking. Now the columns that decide it, in one.
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    body = fixture_body("alertmanager_firing")
    headers = CATALOG["alertmanager"].sign(SECRETS["alertmanager"], body, 0)
    first = intake.accept("alertmanager", body, headers)
    commits = CommitCount(sqlite_database(backends), monkeypatch)
    statements = StatementCount(sqlite_database(backends), monkeypatch)

    again = intake.accept("alertmanager", body, headers)

    assert again.status == 200
    assert again.body == {
        "status": "duplicate",
        "incident_id": first.body["incident_id"],
        "incident_ids": [first.body["incident_id"]],
        "created": False,
    }
    assert len(statements.since(0)) == 1, statements.since(0)
    assert statements.since(0)[0].startswith(f"{AT_ONCE}SELECT a.incident_id, i.is_open FROM")
    assert commits.commits == 0


def test_a_re_send_after_its_incident_closed_is_a_recurrence_not_a_duplicate(
    backends: Backends,
) -> None:
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    body = fixture_body("alertmanager_firing")
    headers = CATALOG["alertmanager"].sign(SECRETS["alertmanager"], body, 0)
    first = intake.accept("alertmanager", body, headers)
    incident = backends.store.get(first.body["incident_id"])
    assert incident is not None
    backends.store.update(
        incident.transition(IncidentStatus.RESOLVED), expected_version=incident.version
    )

    again = intake.accept("alertmanager", body, headers)

    assert again.status == 202 and again.body["created"] is True
    assert again.body["incident_id"] != first.body["incident_id"]


def test_a_re_send_whose_first_acceptance_was_not_enqueued_is_enqueued_now(
    backends: Backends,
) -> None:
    """The one-read answer is only for a complete first acceptance: an outbox event left
    pending (a marshal that enqueued separately and died) still goes to the queue."""
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    body = fixture_body("generic_firing")
    sign = CATALOG["generic"].sign
    first = intake.accept("generic", body, sign(SECRETS["generic"], body, _now()))
    assert backends.queue.receive(max_messages=10, wait_seconds=0) != []
    database = sqlite_database(backends)
    database.write("UPDATE outbox SET sent_at = NULL, data = json_set(data, '$.sent_at', NULL)")
    database.write("DELETE FROM queue_messages")

    again = intake.accept("generic", body, sign(SECRETS["generic"], body, _now()))

    assert again.status == 200 and again.body["incident_id"] == first.body["incident_id"]
    deliveries = backends.queue.receive(max_messages=10, wait_seconds=0)
    assert [d.message.incident_id for d in deliveries] == [first.body["incident_id"]]


def test_a_fresh_alert_runs_no_lookup_its_new_ids_make_pointless(
    backends: Backends, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 17: inside the commit a new incident's audit chain cannot have a tail, an event
    # of the new outbox event's name or an anchor, and the queue cannot hold a message of
    # that id: those seven lookups are gone from every alert's write, and the dedup record
    # and the group's claim are read by one statement.
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    sign = CATALOG["generic"].sign
    opened = fixture_body("generic_firing")
    intake.accept("generic", opened, sign(SECRETS["generic"], opened, _now()))
    statements = StatementCount(sqlite_database(backends), monkeypatch)

    fresh = opened.replace(b'"dedup_key": "', b'"dedup_key": "fresh-')
    assert fresh != opened
    reply = intake.accept("generic", fresh, sign(SECRETS["generic"], fresh, _now()))

    assert reply.status == 202 and reply.body["created"] is True
    ran = statements.since(0)
    assert not [s for s in ran if "FROM audit_events" in s and "EXISTS" not in s], ran
    assert not [s for s in ran if "audit_seq, audit_hash" in s or "FROM audit_heads" in s], ran
    assert not [s for s in ran if "queue_dead_letters" in s or "WHERE event_id = ? AND" in s]
    assert not [s for s in ran if s.startswith("SELECT incident_id FROM group_claims")], ran
    assert len(ran) == 13, ran  # 21 before; BEGIN, SAVEPOINT, RELEASE and COMMIT included
    events = backends.audit.events(reply.body["incident_id"])
    assert [e.action for e in events] == [AuditAction.INCIDENT_CREATED]
    head = backends.audit.head(reply.body["incident_id"])
    assert head is not None and (head.seq, head.hash) == (1, events[0].hash)


def test_a_new_incident_s_first_audit_event_is_sealed_outside_the_write_lock(
    backends: Backends, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Issue 17: the group-commit leader runs every queued alert's work while the others
    # wait, so hashing and sealing is kept off that critical section where it can be.
    database = sqlite_database(backends)
    audit = backends.audit
    assert isinstance(audit, SqliteAuditLog)
    sealed_under_lock: list[bool] = []
    real = audit.first_event

    def watched(*args: Any, **kwargs: Any) -> FirstEvent:
        sealed_under_lock.append(database._writer.locked())
        return real(*args, **kwargs)

    monkeypatch.setattr(audit, "first_event", watched)
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    body = fixture_body("alertmanager_firing")
    sign = CATALOG["alertmanager"].sign

    opened = intake.accept("alertmanager", body, sign(SECRETS["alertmanager"], body, 0))
    assert opened.status == 202 and opened.body["created"] is True
    assert sealed_under_lock == [False]

    # another alert of the same group joins the open incident: no first event is built
    joining = body.replace(b'"fingerprint": "', b'"fingerprint": "f')
    assert joining != body
    joined = intake.accept("alertmanager", joining, sign(SECRETS["alertmanager"], joining, 0))
    assert joined.status == 202 and joined.body["incident_id"] == opened.body["incident_id"]
    assert sealed_under_lock == [False]
    actions = [e.action for e in backends.audit.events(opened.body["incident_id"])]
    assert actions == [AuditAction.INCIDENT_CREATED, AuditAction.ALERT_ATTACHED]
