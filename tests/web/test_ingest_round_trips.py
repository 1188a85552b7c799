"""Issue 17, AWS: the round trips one webhook request costs on DynamoDB + SQS (moto's server
over HTTP), counted per API operation by the clients' own call counter. Counts are
deterministic; timings are the benchmark's business (benchmarks/ingest.py --backend aws)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from bot.adapters.aws.call_count import AWS_CALLS
from bot.adapters.dynamodb.alert_ledger import DynamoAlertLedger, DynamoOutboxMarks
from bot.adapters.dynamodb.audit_log import DynamoAuditLog
from bot.adapters.dynamodb.incident_items import dedup_key
from bot.adapters.dynamodb.incident_store import DynamoIncidentStore
from bot.adapters.sqs.queue import build_sqs_client, ensure_queue
from bot.domain.audit import AuditAction
from bot.domain.errors import BackendUnavailable
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Alert
from bot.ingest.catalog import CATALOG
from bot.ingest.reception import AlertReception
from bot.ingest.secrets import EnvSecretSource
from bot.ports.queue import QueueMessage
from bot.ports.store import OutboxEvent
from bot.services.intake import AlertIntake
from bot.settings import Settings
from bot.wiring.backends import Backends, open_backends
from tests.conftest import AwsEndpoint, dynamodb_settings

SECRET = "round-trip-secret"


class HeldMarks:
    """The real DynamoOutboxMarks, held until `release`, so the request's own calls and the
    background marks are counted apart."""

    def __init__(self, marks: DynamoOutboxMarks) -> None:
        self._marks = marks
        self.held: list[tuple[OutboxEvent, str | None]] = []

    def sent(self, event: OutboxEvent, alert: Alert | None = None) -> None:
        self.held.append((event, dedup_key(alert) if alert is not None else None))

    def release(self) -> None:
        held, self.held = self.held, []
        for event, key in held:
            self._marks.mark(event, key)


@dataclass
class AwsIntake:
    intake: AlertIntake
    backends: Backends
    marks: HeldMarks

    def post(self, dedup: str, status: str = "firing") -> tuple[int, dict[str, Any]]:
        body = json.dumps({"dedup_key": dedup, "status": status, "title": "Disk full"}).encode()
        headers = {k.lower(): v for k, v in CATALOG["generic"].sign(SECRET, body, _now()).items()}
        reply = self.intake.accept("generic", body, headers)
        return reply.status, reply.body

    def another_process(self) -> AlertIntake:
        """Answer from now on as a second webhook process would (same tables and queue,
        nothing remembered); returns this one's intake, to switch back to."""
        mine, self.intake = self.intake, _intake(self.backends, self.marks)
        return mine

    def post_alertmanager(
        self, *, group: int, n: int, status: str = "firing"
    ) -> tuple[int, dict[str, Any]]:
        labels = {"alertname": f"Disk{group}", "instance": f"host-{n}"}
        body = json.dumps(
            {
                "version": "4",
                "groupKey": f'{{}}:{{alertname="Disk{group}"}}',
                "status": status,
                "receiver": "marshal",
                "groupLabels": {"alertname": f"Disk{group}"},
                "commonLabels": {"alertname": f"Disk{group}"},
                "commonAnnotations": {},
                "externalURL": "http://alertmanager.local",
                "alerts": [
                    {
                        "status": status,
                        "labels": labels,
                        "annotations": {"summary": f"disk {n}"},
                        "startsAt": "2026-11-22T00:00:00Z",
                        "endsAt": "0001-01-01T00:00:00Z",
                        "fingerprint": f"{group:04d}{n:012d}",
                    }
                ],
            }
        ).encode()
        headers = {
            k.lower(): v for k, v in CATALOG["alertmanager"].sign(SECRET, body, _now()).items()
        }
        reply = self.intake.accept("alertmanager", body, headers)
        return reply.status, reply.body

    def calls_alertmanager(self, *, group: int, n: int) -> tuple[int, Counter[str]]:
        before = AWS_CALLS.snapshot()
        answer, _ = self.post_alertmanager(group=group, n=n)
        return answer, _calls_since(before)

    def calls(self, dedup: str, status: str = "firing") -> tuple[int, Counter[str]]:
        before = AWS_CALLS.snapshot()
        answer, _ = self.post(dedup, status)
        return answer, _calls_since(before)

    def released(self) -> Counter[str]:
        before = AWS_CALLS.snapshot()
        self.marks.release()
        return _calls_since(before)

    def queued(self) -> list[QueueMessage]:
        messages = []
        while deliveries := self.backends.queue.receive(max_messages=10, wait_seconds=0):
            for delivery in deliveries:
                messages.append(delivery.message)
                self.backends.queue.ack(delivery)
        return messages


def _now() -> int:
    import time  # noqa: PLC0415

    return int(time.time())


def _calls_since(before: dict[tuple[str, str], int]) -> Counter[str]:
    after = AWS_CALLS.snapshot()
    return Counter({op: n - before.get((svc, op), 0) for (svc, op), n in after.items()}) - Counter()


@pytest.fixture
def aws_intake(aws: AwsEndpoint, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsIntake]:
    dynamodb_settings(monkeypatch, "rt-")
    url = ensure_queue(build_sqs_client("us-east-1"), "rt-", 4)
    monkeypatch.setenv("MARSHAL_QUEUE", "sqs")
    monkeypatch.setenv("MARSHAL_QUEUE_URL", url)
    monkeypatch.setenv("MARSHAL_SECRET_GENERIC", SECRET)
    monkeypatch.setenv("MARSHAL_SECRET_ALERTMANAGER", SECRET)
    settings = Settings()
    backends = open_backends(settings)
    store, audit = backends.store, backends.audit
    assert isinstance(store, DynamoIncidentStore) and isinstance(audit, DynamoAuditLog)
    marks = HeldMarks(DynamoOutboxMarks(store.single_table))
    yield AwsIntake(_intake(backends, marks), backends, marks)
    backends.close()


def _intake(backends: Backends, marks: HeldMarks) -> AlertIntake:
    store, audit = backends.store, backends.audit
    assert isinstance(store, DynamoIncidentStore) and isinstance(audit, DynamoAuditLog)
    return AlertIntake(
        store,
        backends.queue,
        audit,
        backends.metrics,
        AlertReception(EnvSecretSource(Settings())),
        ledger=DynamoAlertLedger(store, audit),
        marks=marks,
    )


def test_a_fresh_alert_is_one_transaction_and_one_send(aws_intake: AwsIntake) -> None:
    status, calls = aws_intake.calls("fresh-1")

    assert status == 202
    assert calls == Counter({"TransactWriteItems": 1, "SendMessage": 1})
    # the outbox marks come after the answer: the event, then its dedup record
    assert aws_intake.released() == Counter({"UpdateItem": 2})
    [message] = aws_intake.queued()
    incident = aws_intake.backends.store.get(message.incident_id)
    assert incident is not None and incident.alert_count == 1
    events = aws_intake.backends.audit.events(message.incident_id)
    assert [e.action for e in events] == [AuditAction.INCIDENT_CREATED]
    # the chain's head went onto the new incident item in the same transaction
    head = aws_intake.backends.audit.head(message.incident_id)
    assert head is not None and (head.seq, head.hash) == (1, events[0].hash)
    assert aws_intake.backends.store.pending_outbox(older_than=message.created_at.max) == []


def test_a_duplicate_is_one_read_and_no_send(aws_intake: AwsIntake) -> None:
    first, body = aws_intake.post("dup-1")
    aws_intake.released()
    aws_intake.queued()

    status, calls = aws_intake.calls("dup-1")

    assert (first, status) == (202, 200)
    # this process answered it before: its dedup record and group claim, read together
    assert calls == Counter({"BatchGetItem": 1})
    assert aws_intake.queued() == []
    actions = [e.action for e in aws_intake.backends.audit.events(body["incident_id"])]
    assert actions == [AuditAction.INCIDENT_CREATED]


def test_a_duplicate_another_process_answered_is_one_cancelled_write(
    aws_intake: AwsIntake,
) -> None:
    first, _ = aws_intake.post("dup-2")
    aws_intake.released()
    aws_intake.queued()
    aws_intake.another_process()

    status, calls = aws_intake.calls("dup-2")

    assert (first, status) == (202, 200)
    assert calls == Counter({"TransactWriteItems": 1})  # cancelled, handing back the record
    assert aws_intake.queued() == []
    # and now this process knows it too
    assert aws_intake.calls("dup-2") == (200, Counter({"BatchGetItem": 1}))


def test_a_re_send_after_its_incident_closed_is_a_recurrence_not_a_duplicate(
    aws_intake: AwsIntake,
) -> None:
    """What this process remembers is a hint: the read shows the group released, and the
    write-first path decides (a new incident), never the stale answer."""
    _, first = aws_intake.post("recur-1")
    aws_intake.released()
    resolve(aws_intake, first["incident_id"])
    aws_intake.queued()

    status, again = aws_intake.post("recur-1")

    assert status == 202 and again["created"] is True
    assert again["incident_id"] != first["incident_id"]


def test_a_bad_signature_costs_no_aws_call(aws_intake: AwsIntake) -> None:
    body = b'{"dedup_key": "x", "status": "firing", "title": "t"}'
    before = AWS_CALLS.snapshot()
    reply = aws_intake.intake.accept(
        "generic", body, {"x-marshal-timestamp": str(_now()), "x-marshal-signature": "v1=00"}
    )
    assert reply.status == 401 and _calls_since(before) == Counter()


def test_a_re_send_before_the_mark_enqueues_again_and_the_queue_dedups(
    aws_intake: AwsIntake,
) -> None:
    aws_intake.post("early-1")  # its mark is still held: as if the process died after the send

    status, calls = aws_intake.calls("early-1")

    assert status == 200
    assert calls == Counter({"BatchGetItem": 1, "SendMessage": 1})
    assert len(aws_intake.queued()) == 1  # SQS FIFO dropped the copy by its dedup id


def test_enqueue_failure_is_503_and_the_retry_delivers_the_stored_event(
    aws_intake: AwsIntake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never lost: stored-but-not-enqueued is not swallowed as a duplicate on retry."""
    queue = aws_intake.backends.queue
    real_send = queue.send

    def queue_down(message: QueueMessage) -> None:
        raise BackendUnavailable("queue is down")

    monkeypatch.setattr(queue, "send", queue_down)
    with pytest.raises(BackendUnavailable):
        aws_intake.post("down-1")
    monkeypatch.setattr(queue, "send", real_send)

    status, body = aws_intake.post("down-1")

    assert status == 200
    assert [m.incident_id for m in aws_intake.queued()] == [body["incident_id"]]
    actions = [e.action for e in aws_intake.backends.audit.events(body["incident_id"])]
    assert actions == [AuditAction.INCIDENT_CREATED]


@pytest.mark.parametrize("same_process", [True, False])
def test_a_resolve_joining_an_open_incident_is_two_or_three_reads_and_one_transaction(
    aws_intake: AwsIntake, same_process: bool
) -> None:
    _, opened = aws_intake.post("join-1")
    aws_intake.released()
    if not same_process:
        aws_intake.another_process()

    status, calls = aws_intake.calls("join-1", status="resolved")

    assert status == 202
    # the incident (with its audit head), the audit chain's tail, and the group claim
    # unless this process knows who holds the group
    reads = {"GetItem": 1 if same_process else 2, "Query": 1}
    assert calls == Counter({**reads, "TransactWriteItems": 1, "SendMessage": 1})
    actions = [e.action for e in aws_intake.backends.audit.events(opened["incident_id"])]
    assert actions == [AuditAction.INCIDENT_CREATED, AuditAction.ALERT_RESOLVED]
    head = aws_intake.backends.audit.head(opened["incident_id"])
    assert head is not None and head.seq == 2


def test_a_new_alert_of_an_open_group_joins_in_one_transaction_after_two_reads(
    aws_intake: AwsIntake,
) -> None:
    first, opened = aws_intake.post_alertmanager(group=1, n=1)
    aws_intake.released()
    before = aws_intake.backends.store.get(opened["incident_id"])
    assert before is not None

    status, calls = aws_intake.calls_alertmanager(group=1, n=2)

    assert (first, status) == (202, 202)
    # this process knows who holds the group: the incident, the audit tail, one transaction
    assert calls == Counter({"TransactWriteItems": 1, "GetItem": 1, "Query": 1, "SendMessage": 1})
    incident = aws_intake.backends.store.get(opened["incident_id"])
    assert incident is not None and incident.alert_count == 2
    assert incident.version == before.version + 1
    actions = [e.action for e in aws_intake.backends.audit.events(opened["incident_id"])]
    assert actions == [AuditAction.INCIDENT_CREATED, AuditAction.ALERT_ATTACHED]
    aws_intake.released()
    again, calls = aws_intake.calls_alertmanager(group=1, n=2)
    assert (again, calls) == (200, Counter({"BatchGetItem": 1}))


def test_a_new_alert_of_a_group_another_process_opened_tries_first_then_joins(
    aws_intake: AwsIntake,
) -> None:
    first, opened = aws_intake.post_alertmanager(group=2, n=1)
    aws_intake.released()
    aws_intake.another_process()

    status, calls = aws_intake.calls_alertmanager(group=2, n=2)

    assert (first, status) == (202, 202)
    # the first-of-group try (cancelled: the group is held), the incident, the audit tail,
    # then one transaction
    assert calls == Counter({"TransactWriteItems": 2, "GetItem": 1, "Query": 1, "SendMessage": 1})
    incident = aws_intake.backends.store.get(opened["incident_id"])
    assert incident is not None and incident.alert_count == 2


def resolve(aws_intake: AwsIntake, incident_id: str) -> None:
    """Resolved the way a processor does it (which releases the group's claim)."""
    store = aws_intake.backends.store
    incident = store.get(incident_id)
    assert incident is not None
    store.update(incident.transition(IncidentStatus.RESOLVED), expected_version=incident.version)


def test_a_stale_group_holder_costs_one_read_then_opens_the_new_incident(
    aws_intake: AwsIntake,
) -> None:
    _, opened = aws_intake.post_alertmanager(group=3, n=1)
    aws_intake.released()
    resolve(aws_intake, opened["incident_id"])  # by a processor, behind this webhook's back
    aws_intake.queued()

    before = AWS_CALLS.snapshot()
    status, body = aws_intake.post_alertmanager(group=3, n=2)

    assert status == 202 and body["created"] is True
    assert body["incident_id"] != opened["incident_id"]
    # the remembered holder's item (closed), then the first-of-group write, as if unknown
    assert _calls_since(before) == Counter(
        {"GetItem": 1, "TransactWriteItems": 1, "SendMessage": 1}
    )


def test_concurrent_alerts_of_one_incident_each_join_once(aws_intake: AwsIntake) -> None:
    """An Alertmanager HA pair or a storm: eight new alerts of one open incident at once.
    In turn (one writer per group in a process), every one joins at its first write; none
    loses a race and pays the long way's reads and retries."""
    first, opened = aws_intake.post_alertmanager(group=4, n=0)
    aws_intake.released()

    before = AWS_CALLS.snapshot()
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda n: aws_intake.post_alertmanager(group=4, n=n), range(1, 9)))

    assert first == 202 and [status for status, _ in answers] == [202] * 8
    assert {body["incident_id"] for _, body in answers} == {opened["incident_id"]}
    assert _calls_since(before) == Counter(
        {"GetItem": 8, "Query": 8, "TransactWriteItems": 8, "SendMessage": 8}
    )
    incident = aws_intake.backends.store.get(opened["incident_id"])
    assert incident is not None and incident.alert_count == 9
