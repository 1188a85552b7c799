"""Scale-out: two `marshal webhook` and two `marshal processor` processes on one DynamoDB and
one SQS FIFO queue, connected to one Slack, take an alert storm split across the webhooks
without a doubled room, incident, assembly or nudge, and without losing an alert. The
deployment and the verdicts are benchmarks/scale_out.py's (tests/aws/deployment.py,
tests/aws/scale_out_verdicts.py)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.wiring.stores import build_audit_log
from tests.aws import scale_out_verdicts as verdicts
from tests.aws.conftest import incident_store, post_webhook
from tests.aws.deployment import (
    AWS_AUDIT_KEY,
    aws_env,
    handled_events,
    start_deployment,
    storm_payload,
)
from tests.aws.stack import Stack
from tests.conftest import slack_env
from tests.e2e.conftest import MarshalProcess
from tests.eventually import eventually

pytestmark = pytest.mark.slow  # runs marshal in subprocesses

GROUPS = 10
ALERTS_PER_GROUP = 3
NUDGE_SECONDS = 2
NUDGES_PER_ROOM = 2


@pytest.fixture
def slack(sandbox: SandboxSlack) -> SandboxSlack:
    sandbox.reset()
    return sandbox


@pytest.mark.timeout(360)  # four processes starting on a loaded machine; a safety net
def test_two_webhooks_two_processors_one_room_and_one_nudge_per_slot(
    stack: Stack,
    slack: SandboxSlack,
    launch: Callable[..., MarshalProcess],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    deployment = start_deployment(
        launch,
        webhooks=2,
        processors=2,
        webhook_env=aws_env(stack),
        processor_env=aws_env(
            stack,
            MARSHAL_NUDGE_INTERVAL=f"P1={NUDGE_SECONDS}s",
            MARSHAL_LOG_LEVEL="INFO",  # each handled event is a log line
            **slack_env(slack),
        ),
    )
    notifications = [(g, m) for m in range(ALERTS_PER_GROUP) for g in range(GROUPS)]
    urls = deployment.webhook_urls
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(
            pool.map(
                lambda i: post_webhook(
                    urls[i % len(urls)], "alertmanager", storm_payload(*notifications[i])
                ),
                range(len(notifications)),
            )
        )
    assert [status for status, _ in answers] == [202] * len(notifications)
    accepted = Counter(answer["incident_id"] for _, answer in answers)
    store = incident_store(stack)

    def assembled() -> float | None:
        incidents = [store.get(i) for i in accepted]
        times = [i.assembled_at.timestamp() for i in incidents if i and i.assembled_at]
        return max(times) if len(times) == GROUPS else None

    last_assembled = eventually(assembled, timeout=120, message="every war room")
    # Every room's first slots fall due while both processors run; then stop them, so the
    # evidence read below is final.
    time.sleep(max(0.0, last_assembled + NUDGES_PER_ROOM * NUDGE_SECONDS + 1 - time.time()))
    assert deployment.all_running(), "every process is still running"
    for processor in deployment.processors:
        processor.stop(30)

    monkeypatch.setenv("MARSHAL_AUDIT_KEY", AWS_AUDIT_KEY)
    monkeypatch.setenv("MARSHAL_STORE", "dynamodb")
    monkeypatch.setenv("MARSHAL_TABLE_PREFIX", stack.table_prefix)
    audit_log = build_audit_log(Settings())
    incidents = [i for i in (store.get(n) for n in accepted) if i is not None]
    audit = {i.id: audit_log.events(i.id) for i in incidents}
    calls = slack.calls()
    judged = [
        verdicts.one_incident_per_group(incidents, GROUPS),
        verdicts.one_room_per_incident(incidents, slack.workspace.snapshot()["channels"], calls),
        verdicts.alerts_counted(incidents, accepted, len(notifications)),
        verdicts.assembled_once(audit),
        verdicts.nudges_not_doubled(incidents, calls, audit, NUDGE_SECONDS),
    ]
    assert all(v.ok for v in judged), "\n".join(map(str, judged))
    # Every event (10 that opened an incident, 20 that joined one) handled once, by either.
    handled = [handled_events(p) for p in deployment.processors]
    assert sum(handled) == len(notifications)
    assert all(handled), f"both processors took events from the queue: {handled}"
    nudged_rooms = {c.args["channel"] for c in calls if verdicts.NUDGE_TEXT in str(c.args)}
    assert len(nudged_rooms) == GROUPS, "every room was nudged while both processors ran"
