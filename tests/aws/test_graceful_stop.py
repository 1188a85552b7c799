"""SIGTERM mid-stream: `marshal webhook` stops accepting and lets in-flight requests finish,
`marshal processor` finishes or gives back what it holds, and nothing answered with a 2xx is
lost: every such alert has its incident, and its war room once a new processor runs."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.domain.models import Incident
from bot.sandbox.server import SandboxSlack
from tests.aws.conftest import aws_env, generic_alert, incident_store, post_webhook
from tests.aws.stack import Stack
from tests.e2e.conftest import MarshalProcess
from tests.eventually import eventually

pytestmark = pytest.mark.slow  # runs marshal in subprocesses

SENDERS = 4


@dataclass(frozen=True)
class Sent:
    started: float
    ended: float
    status: int | None  # None: no HTTP answer at all (refused or reset)
    answer: dict[str, Any]


@pytest.fixture
def slack(sandbox: SandboxSlack) -> SandboxSlack:
    sandbox.reset()
    return sandbox


def _stream(url: str, sender: int, sent: list[Sent], stop: threading.Event) -> None:
    """Fire alerts one after another until the server stops answering."""
    number = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            status, answer = post_webhook(
                url, "generic", generic_alert(f"stream-{sender}-{number}", f"Stream {number}")
            )
        except OSError:
            sent.append(Sent(started, time.monotonic(), None, {}))
            return
        sent.append(Sent(started, time.monotonic(), status, answer))
        number += 1


def _terminate(process: MarshalProcess) -> None:
    process.process.send_signal(signal.SIGTERM)


@pytest.mark.timeout(360)  # marshal started twice and a stream on a loaded machine; a safety net
def test_sigterm_mid_stream_loses_nothing_that_was_accepted(
    stack: Stack, slack: SandboxSlack, launch: Callable[..., MarshalProcess]
) -> None:
    one_slack = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.api_url,
    }
    processor = launch("processor", **aws_env(stack, **one_slack))
    webhook = launch("webhook", **aws_env(stack))
    sent: list[Sent] = []
    stop = threading.Event()
    senders = [
        threading.Thread(target=_stream, args=(webhook.url, n, sent, stop), daemon=True)
        for n in range(SENDERS)
    ]
    for sender in senders:
        sender.start()
    try:
        eventually(lambda: len(sent) >= 8, timeout=60, message="a stream of accepted alerts")
        terminated_at = time.monotonic()
        _terminate(webhook)
        _terminate(processor)
        # waits past the 10 s claim below, so a slow stop fails on that claim, saying how slow
        webhook_code = webhook.process.wait(60)
        processor_code = processor.process.wait(60)
        stopped_in = time.monotonic() - terminated_at
    finally:
        stop.set()
        for sender in senders:
            sender.join(20)

    assert (webhook_code, processor_code) == (0, 0)
    assert stopped_in < 10, f"stopped in {stopped_in:.1f} s"
    accepted = [s for s in sent if s.status is not None and 200 <= s.status < 300]
    assert all(s.status in (202, None) for s in sent), "only 202s, then refusals once stopped"
    assert any(s.status is None for s in sent), "the stream was still going when it stopped"
    in_flight_finished = [s for s in accepted if s.started < terminated_at < s.ended]
    assert in_flight_finished, "requests in flight at SIGTERM were answered, not dropped"

    store = incident_store(stack)
    incident_ids = {s.answer["incident_id"] for s in accepted}
    assert len(incident_ids) == len(accepted)
    assert all(store.get(i) is not None for i in incident_ids)

    launch("processor", **aws_env(stack, **one_slack))

    def all_assembled() -> list[Incident] | None:
        incidents = [store.get(i) for i in incident_ids]
        done = [i for i in incidents if i is not None and i.assembled_at and i.channel_id]
        return done if len(done) == len(incident_ids) else None

    incidents = eventually(all_assembled, timeout=150, message="a room for every accepted alert")
    rooms = [c for c in slack.workspace.snapshot()["channels"] if c["name"].startswith("inc-")]
    room_ids = [c["id"] for c in rooms]
    assert {i.channel_id for i in incidents} <= set(room_ids)
    short_ids = [c["name"].split("-")[1] for c in rooms]
    assert len(short_ids) == len(set(short_ids)), "one room per incident"
