"""`marshal queue dead-letters`, run in-process against a temp database and moto's SQS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.adapters.sqlite.local_queue import LocalQueue
from bot.adapters.sqs.queue import SqsQueue, build_sqs_client, ensure_queue
from bot.cli import main
from bot.ports.queue import Queue, QueueMessage
from tests.conftest import AwsEndpoint


def park(queue: Queue, event_id: str, incident_id: str, reason: str) -> None:
    queue.send(
        QueueMessage(
            event_id=event_id,
            event_type="ALERT_RECEIVED",
            incident_id=incident_id,
            payload={"email": "person@example.com"},
        )
    )
    [delivery] = queue.receive(max_messages=1, wait_seconds=2)
    queue.dead_letter(delivery, reason=reason)


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "var" / "marshal.db"
    monkeypatch.setenv("MARSHAL_DB_PATH", str(path))
    return path


def test_dead_letters_lists_parked_events_without_payloads(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path.parent.mkdir()
    queue = LocalQueue(db_path)
    park(queue, "ev-1", "INC-7", "unknown event type FOO")
    queue.close()
    assert main(["queue", "dead-letters"]) == 0
    out = capsys.readouterr().out
    assert "ev-1" in out
    assert "INC-7" in out
    assert "unknown event type FOO" in out
    assert "person@example.com" not in out


def test_dead_letters_as_json_honours_the_limit(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path.parent.mkdir()
    queue = LocalQueue(db_path)
    for n in range(3):
        park(queue, f"ev-{n}", f"INC-{n}", "poison")
    queue.close()
    assert main(["queue", "dead-letters", "--json", "--limit", "2"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2
    assert set(rows[0]) >= {"event_id", "event_type", "incident_id", "receive_count", "reason"}
    assert {r["reason"] for r in rows} == {"poison"}
    assert all(r["dead_at"] for r in rows)


def test_an_empty_dead_letter_queue_says_so(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["queue", "dead-letters"]) == 0
    assert "No dead letters." in capsys.readouterr().out
    assert db_path.parent.is_dir()  # the embedded default makes its own var/ directory


def test_dead_letters_reads_the_sqs_dead_letter_queue(
    aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = build_sqs_client("us-east-1")
    url = ensure_queue(client, "cli-", 5)
    park(SqsQueue(client, url), "ev-sqs", "INC-9", "unknown event type BAR")
    monkeypatch.setenv("MARSHAL_QUEUE", "sqs")
    monkeypatch.setenv("MARSHAL_QUEUE_URL", url)
    assert main(["queue", "dead-letters", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["event_id"], row["incident_id"], row["reason"]) == (
        "ev-sqs",
        "INC-9",
        "unknown event type BAR",
    )


def test_an_unreachable_queue_fails_with_a_message(
    aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MARSHAL_QUEUE", "sqs")
    monkeypatch.setenv("MARSHAL_QUEUE_URL", f"{aws.url}/123456789012/no-such-queue.fifo")
    assert main(["queue", "dead-letters"]) == 1
    assert "cannot read the dead letters" in capsys.readouterr().err


def test_a_limit_below_one_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["queue", "dead-letters", "--limit", "0"])
    assert exit_info.value.code == 2
    assert "must be 1 or more" in capsys.readouterr().err
