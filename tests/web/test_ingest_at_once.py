"""Issue 17, embedded: what the intake can answer without waiting is answered on the web
tier's event loop (`AlertIntake.screen`); only what must wait goes to a worker (`record`).

The reader that never waits must really never wait: a database locked against readers sends
the request on to the worker path, which waits for the lock as it always did, and loses
nothing."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from bot.ingest.catalog import CATALOG
from bot.services.intake import AlertIntake, Screened, WebhookReply
from bot.wiring.backends import Backends
from bot.wiring.ingress import build_intake
from tests.web.conftest import SECRETS, fixture_body, ingress_settings, sqlite_database
from tests.web.test_ingest_commits import AT_ONCE, CommitCount, StatementCount

SOURCE = "alertmanager"
# Far below SQLite's busy timeout (15 s): a reader that waited for the lock would miss it.
NEVER_WAITS_CEILING_SECONDS = 5.0


def _signed(body: bytes) -> dict[str, str]:
    return CATALOG[SOURCE].sign(SECRETS[SOURCE], body, 0)


def test_a_settled_re_send_is_answered_by_screening_and_a_fresh_alert_is_read_once(
    backends: Backends, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    body = fixture_body("alertmanager_firing")
    statements = StatementCount(sqlite_database(backends), monkeypatch)

    fresh = intake.screen(SOURCE, body, _signed(body))

    # verified, parsed and found unsettled on the loop: the worker neither parses nor reads again
    assert isinstance(fresh, Screened)
    assert fresh.alerts is not None and len(fresh.alerts) == 1
    assert fresh.settled == [None]
    before = len(statements.statements)
    accepted = intake.record(fresh)
    assert accepted.status == 202
    in_worker = statements.since(before)
    assert not any(s.startswith("SELECT a.incident_id, i.is_open") for s in in_worker), in_worker
    assert not any(s.startswith(AT_ONCE) for s in in_worker), in_worker

    commits = CommitCount(sqlite_database(backends), monkeypatch)
    again = intake.screen(SOURCE, body, _signed(body))

    assert isinstance(again, WebhookReply)
    assert again.status == 200
    assert again.body["status"] == "duplicate"
    assert again.body["incident_id"] == accepted.body["incident_id"]
    assert commits.commits == 0


def test_bad_signatures_and_bad_bodies_are_answered_by_screening(backends: Backends) -> None:
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    body = fixture_body("alertmanager_firing")

    refused = intake.screen(SOURCE, body, {"authorization": "Bearer wrong"})
    junk = intake.screen(SOURCE, b"[1, 2", _signed(b"[1, 2"))

    assert isinstance(refused, WebhookReply) and refused.status == 401
    assert isinstance(junk, WebhookReply) and junk.status == 400


def test_a_database_locked_against_readers_sends_the_re_send_to_the_worker(
    backends: Backends,
) -> None:
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    body = fixture_body("alertmanager_firing")
    first = intake.accept(SOURCE, body, _signed(body))
    database = sqlite_database(backends)
    database.close()  # this process's connections let go, so another can lock the file whole
    locker = sqlite3.connect(database.path, isolation_level=None)
    locker.execute("PRAGMA locking_mode = EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    screened: list[WebhookReply | Screened] = []
    screening = threading.Thread(
        target=lambda: screened.append(intake.screen(SOURCE, body, _signed(body)))
    )
    try:
        screening.start()
        screening.join(NEVER_WAITS_CEILING_SECONDS)
        assert not screening.is_alive(), "the at-once read waited for the lock"
    finally:
        locker.execute("COMMIT")
        locker.close()
    screening.join()

    [outcome] = screened
    assert isinstance(outcome, Screened)
    assert outcome.alerts is not None and outcome.settled is None  # parsed, not read
    reply = intake.record(outcome)
    assert reply.status == 200
    assert reply.body["incident_id"] == first.body["incident_id"]


def test_a_reader_in_use_by_another_thread_is_not_waited_for(backends: Backends) -> None:
    intake = build_intake(ingress_settings(Path("/unused")), backends)
    body = fixture_body("alertmanager_firing")
    first = intake.accept(SOURCE, body, _signed(body))
    database = sqlite_database(backends)

    with database._at_once_turn:
        outcome = intake.screen(SOURCE, body, _signed(body))

    assert isinstance(outcome, Screened) and outcome.settled is None
    assert intake.record(outcome).body["incident_id"] == first.body["incident_id"]


def test_secrets_from_secrets_manager_are_never_read_on_the_event_loop(
    backends: Backends, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings = ingress_settings(Path("/unused"), marshal_secrets="secretsmanager")
    intake = build_intake(settings, backends)
    assert isinstance(intake, AlertIntake)
    body = fixture_body("alertmanager_firing")

    outcome = intake.screen(SOURCE, body, _signed(body))

    # a cache miss would be a network call: nothing is verified, parsed or read here
    assert isinstance(outcome, Screened)
    assert outcome.alerts is None and outcome.settled is None
