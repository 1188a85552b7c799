"""IntakeWriter (issue 17): screened webhook requests recorded on one thread, as many per
commit as are waiting, each answered only after the commit that holds it; a failed commit
answers its whole batch with the error, a failing request only itself."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.adapters.sqlite.alert_ledger import SqliteAlertLedger
from bot.adapters.sqlite.local_queue import LocalQueue
from bot.domain.errors import BackendUnavailable
from bot.domain.models import AlertSource
from bot.ingest.catalog import CATALOG
from bot.ingest.reception import AlertReception
from bot.services.intake import AlertIntake, Screened, WebhookReply
from bot.web.intake_writer import IntakeWriter
from bot.wiring.alert_ledgers import build_alert_ledger, records_together
from bot.wiring.backends import Backends
from bot.wiring.ingress import build_intake
from bot.wiring.process import ProcessGroup
from tests.eventually import eventually
from tests.web.conftest import SECRETS, ingress_settings, sqlite_database

SOURCE = "generic"
WAKE_CEILING_SECONDS = 5.0  # far below the consumer's own wait of 20 s


@pytest.fixture
def intake(backends: Backends) -> AlertIntake:
    return build_intake(ingress_settings(Path("/unused")), backends)


def _screened(intake: AlertIntake, key: str) -> Screened:
    body = (
        b'{"dedup_key": "' + key.encode() + b'", "status": "firing", "title": "Disk full",'
        b' "severity": "P2"}'
    )
    headers = CATALOG[SOURCE].sign(SECRETS[SOURCE], body, int(time.time()))
    outcome = intake.screen(SOURCE, body, headers)
    assert isinstance(outcome, Screened), outcome
    return outcome


def _ledger(intake: AlertIntake) -> SqliteAlertLedger:
    ledger = intake._ledger
    assert isinstance(ledger, SqliteAlertLedger)
    return ledger


class FirstBatchHeld:
    """The intake's real record_all, with the first batch held until the rest are queued,
    so that the batching the test asserts does not depend on thread timing."""

    def __init__(self, intake: AlertIntake) -> None:
        self._intake = intake
        self.release = threading.Event()
        self.sizes: list[int] = []

    def __call__(self, batch: Sequence[Screened]) -> list[WebhookReply | Exception]:
        if not self.sizes:
            self.release.wait(10)
        self.sizes.append(len(batch))
        return self._intake.record_all(batch)


def test_requests_waiting_together_share_one_commit(
    intake: AlertIntake, backends: Backends
) -> None:
    assert intake.records_together
    held = FirstBatchHeld(intake)
    writer = IntakeWriter(held)
    requests = [_screened(intake, f"disk-{i}") for i in range(12)]
    commits_before = _ledger(intake).commits

    async def send_all() -> list[WebhookReply]:
        first = asyncio.ensure_future(writer.record(requests[0]))
        await asyncio.to_thread(eventually, lambda: writer._running)
        rest = [asyncio.ensure_future(writer.record(r)) for r in requests[1:]]
        await asyncio.sleep(0)  # every request is queued now
        held.release.set()
        return await asyncio.gather(first, *rest)

    replies = asyncio.run(send_all())

    assert [r.status for r in replies] == [202] * 12
    assert len({r.body["incident_id"] for r in replies}) == 12
    assert held.sizes == [1, 11]
    assert _ledger(intake).commits - commits_before == 2
    queued = backends.queue.receive(max_messages=20, wait_seconds=0)
    assert sorted(d.message.incident_id for d in queued) == sorted(
        r.body["incident_id"] for r in replies
    )


def test_a_queued_message_is_announced_only_once_committed(
    intake: AlertIntake, backends: Backends
) -> None:
    queue = backends.queue
    assert isinstance(queue, LocalQueue)
    before = queue._sent_generation

    with _ledger(intake).together():
        reply = intake.record(_screened(intake, "announced"))
        assert reply.status == 202
        # a consumer woken now would look before the commit
        assert queue._sent_generation == before

    assert queue._sent_generation == before + 1


def test_a_waiting_consumer_gets_the_message_a_batch_committed(
    intake: AlertIntake, backends: Backends
) -> None:
    writer = IntakeWriter(intake.record_all)
    received: list[str] = []

    def consume() -> None:
        deliveries = backends.queue.receive(max_messages=10, wait_seconds=20)
        received.extend(d.message.incident_id for d in deliveries)

    consumer = threading.Thread(target=consume)
    consumer.start()
    reply = asyncio.run(writer.record(_screened(intake, "delivered")))
    consumer.join(WAKE_CEILING_SECONDS)

    assert not consumer.is_alive(), "the consumer was not woken by the committed message"
    assert received == [reply.body["incident_id"]]


def test_a_failed_commit_answers_every_request_of_its_batch_with_the_error() -> None:
    def commit_fails(batch: Sequence[Screened]) -> list[WebhookReply | Exception]:
        raise BackendUnavailable("SQLite: disk I/O error")

    writer = IntakeWriter(commit_fails)
    screened = [Screened("generic", b"{}", {}) for _ in range(3)]

    async def send_all() -> list[WebhookReply | BaseException]:
        return await asyncio.gather(*(writer.record(s) for s in screened), return_exceptions=True)

    outcomes = asyncio.run(send_all())

    assert len(outcomes) == 3
    assert all(isinstance(o, BackendUnavailable) for o in outcomes), outcomes


def test_a_failing_request_is_answered_alone() -> None:
    ok = WebhookReply(202, {"status": "accepted"})

    def one_fails(batch: Sequence[Screened]) -> list[WebhookReply | Exception]:
        return [ValueError("bad") if s.body == b"bad" else ok for s in batch]

    writer = IntakeWriter(one_fails)

    async def send_all() -> list[WebhookReply | BaseException]:
        sent = [writer.record(Screened("generic", b, {})) for b in (b"good", b"bad", b"fine")]
        return await asyncio.gather(*sent, return_exceptions=True)

    good, bad, fine = asyncio.run(send_all())

    assert good == ok and fine == ok
    assert isinstance(bad, ValueError)


def test_the_thread_ends_when_idle_and_starts_again_for_the_next_request() -> None:
    seen: list[int] = []

    def record_all(batch: Sequence[Screened]) -> list[WebhookReply | Exception]:
        seen.append(threading.get_ident())
        return [WebhookReply(202, {}) for _ in batch]

    writer = IntakeWriter(record_all, idle_seconds=0.05)

    assert asyncio.run(writer.record(Screened("generic", b"1", {}))).status == 202
    eventually(lambda: not writer._running)
    assert asyncio.run(writer.record(Screened("generic", b"2", {}))).status == 202

    assert len(seen) == 2
    assert writer.batches == 2


class SlowSecrets:
    """A secret store that answers only when released (a Secrets Manager cache miss)."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.release = threading.Event()

    def secret_for(self, source: AlertSource) -> str | None:
        self.asked.set()
        self.release.wait(10)
        return SECRETS[source.value.replace("_", "-")]

    def refresh(self, source: AlertSource) -> bool:
        return False


def test_a_secret_fetched_for_verifying_never_holds_the_write_lock(backends: Backends) -> None:
    secrets = SlowSecrets()
    ledger, marks = build_alert_ledger(ProcessGroup(), backends)
    together = records_together(ledger)
    assert together is not None
    intake = AlertIntake(
        backends.store,
        backends.queue,
        backends.audit,
        backends.metrics,
        AlertReception(secrets),
        ledger=ledger,
        marks=marks,
        together=together,  # screens=False: nothing is verified on the event loop
    )
    body = b'{"dedup_key": "slow", "status": "firing", "title": "Disk full", "severity": "P2"}'
    screened = intake.screen(
        SOURCE, body, CATALOG[SOURCE].sign(SECRETS[SOURCE], body, int(time.time()))
    )
    assert isinstance(screened, Screened) and screened.alerts is None
    writer = IntakeWriter(intake.record_all)
    answered: list[WebhookReply] = []
    sending = threading.Thread(target=lambda: answered.append(asyncio.run(writer.record(screened))))
    sending.start()
    assert secrets.asked.wait(10)
    try:
        # another writer commits while the secret is still being fetched
        other = threading.Thread(
            target=lambda: sqlite_database(backends).write(
                "INSERT INTO claims (key, owner) VALUES ('other', 'test')"
            )
        )
        other.start()
        other.join(WAKE_CEILING_SECONDS)
        assert not other.is_alive(), "the write waited for the secret fetch"
    finally:
        secrets.release.set()
    sending.join(10)

    [reply] = answered
    assert reply.status == 202


# the writer thread does end with the SystemExit, as it should: that is what this test makes
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_writer_thread_that_dies_answers_its_batch_and_is_replaced() -> None:
    calls: list[int] = []

    def record_all(batch: Sequence[Screened]) -> list[WebhookReply | Exception]:
        calls.append(len(batch))
        if len(calls) == 1:
            raise SystemExit("gone")
        return [WebhookReply(202, {}) for _ in batch]

    writer = IntakeWriter(record_all)

    with pytest.raises(RuntimeError, match="intake writer stopped"):
        asyncio.run(writer.record(Screened("generic", b"1", {})))
    # answered at once: before, the dying thread could still count as running, and this one
    # queued behind it for ever
    assert asyncio.run(writer.record(Screened("generic", b"2", {}))).status == 202
    assert calls == [1, 1]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_requests_queued_behind_a_dying_writer_get_a_new_one() -> None:
    first_batch = threading.Event()
    queued = threading.Event()

    def record_all(batch: Sequence[Screened]) -> list[WebhookReply | Exception]:
        if not first_batch.is_set():
            first_batch.set()
            queued.wait(10)
            raise SystemExit("gone")
        return [WebhookReply(202, {}) for _ in batch]

    writer = IntakeWriter(record_all)

    async def send() -> list[WebhookReply | BaseException]:
        dying = asyncio.ensure_future(writer.record(Screened("generic", b"1", {})))
        await asyncio.to_thread(first_batch.wait, 10)
        behind = [
            asyncio.ensure_future(writer.record(Screened("generic", b, {}))) for b in (b"2", b"3")
        ]
        await asyncio.sleep(0)  # both queued while the first thread still counts as running
        queued.set()
        return await asyncio.gather(dying, *behind, return_exceptions=True)

    dying, *behind = asyncio.run(send())

    assert isinstance(dying, RuntimeError)
    assert [r.status for r in behind if isinstance(r, WebhookReply)] == [202, 202]
