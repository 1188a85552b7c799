"""Scale-out: one `marshal webhook` and two `marshal processor` processes on one DynamoDB and
one SQS FIFO queue, connected to one Slack, take an alert storm without a duplicate room."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bot.sandbox.server import SandboxSlack
from tests.aws.conftest import aws_env, incident_store, post_webhook
from tests.aws.stack import Stack
from tests.e2e.conftest import MarshalProcess
from tests.eventually import eventually
from tests.web.conftest import FIXTURES

pytestmark = pytest.mark.slow  # runs marshal in subprocesses

GROUPS = 10
ALERTS_PER_GROUP = 3


def storm_payload(group: int, member: int) -> dict[str, Any]:
    """An Alertmanager group notification; each member is a new alert joining the group."""
    payload: dict[str, Any] = json.loads((FIXTURES / "alertmanager_firing.json").read_text())
    alert = copy.deepcopy(payload["alerts"][0])
    alert["fingerprint"] = f"{group:02d}{member:02d}abcdef0123"
    alert["labels"]["instance"] = f"https://shard-{group}-{member}.example.org"
    payload["alerts"] = [alert]
    payload["groupKey"] = f'{{}}:{{alertname="StormShard{group}"}}'
    payload["groupLabels"] = {"alertname": f"StormShard{group}"}
    payload["commonLabels"] = {**payload["commonLabels"], "alertname": f"StormShard{group}"}
    payload["commonAnnotations"] = {"summary": f"Shard {group} is down"}
    return payload


@pytest.fixture
def slack(sandbox: SandboxSlack) -> SandboxSlack:
    sandbox.reset()
    return sandbox


@pytest.mark.timeout(360)  # three processes starting on a loaded machine; a safety net
def test_two_processors_open_exactly_one_room_per_incident(
    stack: Stack, slack: SandboxSlack, launch: Callable[..., MarshalProcess]
) -> None:
    one_slack = {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.api_url,
    }
    processor_env = aws_env(stack, MARSHAL_LOG_LEVEL="INFO", **one_slack)
    with ThreadPoolExecutor(max_workers=3) as pool:
        starting = [pool.submit(launch, "processor", **processor_env) for _ in range(2)]
        webhook = pool.submit(launch, "webhook", **aws_env(stack)).result()
        processors = [started.result() for started in starting]

    notifications = [(g, m) for m in range(ALERTS_PER_GROUP) for g in range(GROUPS)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(
            pool.map(
                lambda gm: post_webhook(webhook.url, "alertmanager", storm_payload(*gm)),
                notifications,
            )
        )

    assert [status for status, _ in answers] == [202] * len(notifications)
    incident_ids = {answer["incident_id"] for _, answer in answers}
    assert len(incident_ids) == GROUPS
    store = incident_store(stack)

    def all_assembled() -> list[str] | None:
        incidents = [store.get(i) for i in incident_ids]
        channels = [i.channel_id for i in incidents if i and i.assembled_at and i.channel_id]
        return channels if len(channels) == GROUPS else None

    channels = eventually(all_assembled, timeout=120, message="every war room")
    rooms = [c for c in slack.workspace.snapshot()["channels"] if c["name"].startswith("inc-")]
    assert sorted(c["id"] for c in rooms) == sorted(channels)
    assert len(set(channels)) == GROUPS
    for process in (*processors, webhook):
        assert process.process.poll() is None, "every process is still running"

    # Every event (10 that opened an incident, 20 that joined one) handled once, by either.
    def counts_once_all_handled() -> list[int] | None:
        counts = [_handled_events(p) for p in processors]
        return counts if sum(counts) == len(notifications) else None

    handled = eventually(
        counts_once_all_handled,
        timeout=60,
        message="every event to be handled",
    )
    assert all(handled), f"both processors took events from the queue: {handled}"


def _handled_events(process: MarshalProcess) -> int:
    assert process.stderr_path is not None
    lines = process.stderr_path.read_text().splitlines()
    return sum(1 for line in lines if '"message": "event ' in line and ') handled"' in line)
