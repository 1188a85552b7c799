"""The AWS deployment under test: infra/cloudformation.yaml as a stack in moto's server, and
`marshal webhook|processor|up` subprocesses pointed at what the stack created.

moto's server here serialises DynamoDB requests only (tests/fakes/moto.py): SQS long polls
from several processes must not hold each other up.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from bot.adapters.dynamodb.incident_store import DynamoIncidentStore
from bot.ingest.catalog import CATALOG
from tests.aws.stack import Stack, create_stack
from tests.conftest import AwsEndpoint
from tests.e2e.conftest import MarshalProcess, start_marshal
from tests.fakes.moto import dynamodb_requests, serialised_moto
from tests.web.conftest import SECRETS

# The deployment's audit key (DynamoDB refuses to start without one); in-process readers
# and `marshal audit verify` use the same.
AWS_AUDIT_KEY = "aws-drill-audit-key-0123456789abcdef"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[AwsEndpoint]:
    with serialised_moto(only=dynamodb_requests) as url:
        yield AwsEndpoint(url=url)


@pytest.fixture
def stack(aws: AwsEndpoint) -> Stack:
    return create_stack(table_prefix="m-", secrets_prefix="marshal/", max_receives=4)


def aws_env(stack: Stack, **extra: str) -> dict[str, str]:
    """The settings a deployment on this stack runs with (AWS_* come from the `aws` fixture)."""
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


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., MarshalProcess]]:
    """Start `marshal <part>` subprocesses; every one still running is killed at teardown."""
    started: list[MarshalProcess] = []
    numbers = itertools.count()

    def start(part: str, **env: str) -> MarshalProcess:
        workdir = tmp_path / f"{part}-{next(numbers)}"  # count() is safe across threads
        workdir.mkdir()
        process = start_marshal(workdir, part, **env)
        started.append(process)
        return process

    yield start
    for marshal in started:
        if marshal.process.poll() is None:
            marshal.process.kill()
            marshal.process.wait(5)
        if marshal.process.stdout is not None:
            marshal.process.stdout.close()


def incident_store(stack: Stack) -> DynamoIncidentStore:
    return DynamoIncidentStore(
        boto3.client("dynamodb", region_name="us-east-1"), stack.table_prefix
    )


def post_webhook(
    base_url: str, source: str, payload: dict[str, Any], *, secret: str | None = None
) -> tuple[int, dict[str, Any]]:
    """A signed webhook as its real sender would send it; (status, JSON answer)."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    headers.update(CATALOG[source].sign(secret or SECRETS[source], body, int(time.time())))
    request = urllib.request.Request(
        f"{base_url}/webhooks/{source}", data=body, method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def generic_alert(
    dedup_key: str, title: str = "Checkout is down", severity: str = "P1"
) -> dict[str, Any]:
    return {
        "dedup_key": dedup_key,
        "status": "firing",
        "title": title,
        "severity": severity,
        "service": "checkout",
    }
