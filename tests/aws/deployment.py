"""A scaled-out marshal on one AWS stack, as processes: `marshal webhook` and `marshal processor`
subprocesses on the same DynamoDB tables and SQS FIFO queue, the processors on one Slack, and
the Alertmanager storm they take. Shared by tests/aws/ (the `launch` fixture,
test_scale_out.py) and benchmarks/scale_out.py, so the test proves the deployment the
benchmark measures.

Each process gets its own AWS access key id (`webhook-1`, `processor-2`, ...): moto takes any
key, and its request log (tests/fakes/moto_request_log.py) then tells whose calls it served.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.aws.stack import Stack
from tests.e2e.conftest import MarshalProcess, start_marshal_within
from tests.web.conftest import FIXTURES

# The deployment's audit key (DynamoDB refuses to start without one); in-process readers
# and `marshal audit verify` use the same.
AWS_AUDIT_KEY = "aws-drill-audit-key-0123456789abcdef"


def aws_env(stack: Stack, **extra: str) -> dict[str, str]:
    """The settings a deployment on this stack runs with (AWS_* come from the environment)."""
    return {
        "MARSHAL_STORE": "dynamodb",
        "MARSHAL_QUEUE": "sqs",
        "MARSHAL_QUEUE_URL": stack.queue_url,
        "MARSHAL_TABLE_PREFIX": stack.table_prefix,
        "MARSHAL_QUEUE_MAX_RECEIVES": "4",
        "MARSHAL_LOG_LEVEL": "WARNING",
        "MARSHAL_AUDIT_KEY": AWS_AUDIT_KEY,
        **extra,
    }


class Launcher:
    """Starts `marshal <part>` subprocesses, each in its own directory under `root`; `close()`
    kills the ones still running. Safe to call from several threads at once."""

    def __init__(self, root: Path, *, ready_seconds: float = 30.0) -> None:
        self._root = root
        self._ready_seconds = ready_seconds  # until "is running"; start-up is slow under load
        self._numbers = itertools.count()  # next() is atomic under the GIL
        self._lock = threading.Lock()
        self.started: list[MarshalProcess] = []

    def __call__(self, part: str, **env: str) -> MarshalProcess:
        workdir = self._root / f"{part}-{next(self._numbers)}"
        workdir.mkdir()
        process = start_marshal_within(self._ready_seconds, workdir, (part,), env)
        with self._lock:
            self.started.append(process)
        return process

    def close(self) -> None:
        for marshal in self.started:
            if marshal.process.poll() is None:
                marshal.process.kill()
                marshal.process.wait(5)
            if marshal.process.stdout is not None:
                marshal.process.stdout.close()


@dataclass(frozen=True)
class Deployment:
    webhooks: list[MarshalProcess]
    processors: list[MarshalProcess]

    @property
    def webhook_urls(self) -> list[str]:
        return [webhook.url for webhook in self.webhooks]

    def all_running(self) -> bool:
        return all(p.process.poll() is None for p in (*self.webhooks, *self.processors))


def caller_key(part: str, number: int) -> str:
    """The AWS access key id process `number` (from 1) of `part` signs its calls with."""
    return f"{part}-{number}"


def start_deployment(
    launch: Callable[..., MarshalProcess],
    *,
    webhooks: int,
    processors: int,
    webhook_env: Mapping[str, str],
    processor_env: Mapping[str, str],
) -> Deployment:
    """Start every process at once (start-up is mostly imports, so this saves seconds)."""
    with ThreadPoolExecutor(max_workers=webhooks + processors) as pool:
        starting_processors = [
            pool.submit(
                launch,
                "processor",
                **processor_env,
                AWS_ACCESS_KEY_ID=caller_key("processor", n),
            )
            for n in range(1, processors + 1)
        ]
        starting_webhooks = [
            pool.submit(
                launch, "webhook", **webhook_env, AWS_ACCESS_KEY_ID=caller_key("webhook", n)
            )
            for n in range(1, webhooks + 1)
        ]
        return Deployment(
            webhooks=[started.result() for started in starting_webhooks],
            processors=[started.result() for started in starting_processors],
        )


def storm_payload(group: int, member: int) -> dict[str, Any]:
    """An Alertmanager group notification (severity critical, so P1); each member is a new
    alert joining the group's incident."""
    payload: dict[str, Any] = json.loads((FIXTURES / "alertmanager_firing.json").read_text())
    alert = copy.deepcopy(payload["alerts"][0])
    alert["fingerprint"] = f"{group:04d}{member:06d}abcdef"
    alert["labels"]["instance"] = f"https://shard-{group}-{member}.example.org"
    payload["alerts"] = [alert]
    payload["groupKey"] = f'{{}}:{{alertname="StormShard{group}"}}'
    payload["groupLabels"] = {"alertname": f"StormShard{group}"}
    payload["commonLabels"] = {**payload["commonLabels"], "alertname": f"StormShard{group}"}
    payload["commonAnnotations"] = {"summary": f"Shard {group} is down"}
    return payload


def handled_events(process: MarshalProcess) -> int:
    """How many queue events the processor logged as handled (needs MARSHAL_LOG_LEVEL=INFO)."""
    assert process.stderr_path is not None
    lines = process.stderr_path.read_text().splitlines()
    return sum(1 for line in lines if '"message": "event ' in line and ') handled"' in line)
