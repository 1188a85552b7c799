"""The AWS deployment under test: infra/cloudformation.yaml as a stack in moto's server, and
`marshal webhook|processor|up` subprocesses pointed at what the stack created.

moto's server here serialises DynamoDB requests only (tests/fakes/moto.py): SQS long polls
from several processes must not hold each other up.
"""

from __future__ import annotations

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
from tests.aws.deployment import AWS_AUDIT_KEY, Launcher, aws_env
from tests.aws.stack import Stack, create_stack
from tests.conftest import AwsEndpoint
from tests.e2e.conftest import MarshalProcess
from tests.fakes.moto import dynamodb_requests, serialised_moto
from tests.web.conftest import SECRETS

__all__ = ["AWS_AUDIT_KEY", "aws_env"]  # where the AWS tests have always found them


@pytest.fixture(scope="session")
def moto_server() -> Iterator[AwsEndpoint]:
    with serialised_moto(only=dynamodb_requests) as url:
        yield AwsEndpoint(url=url)


@pytest.fixture
def stack(aws: AwsEndpoint) -> Stack:
    return create_stack(table_prefix="m-", secrets_prefix="marshal/", max_receives=4)


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., MarshalProcess]]:
    """Start `marshal <part>` subprocesses; every one still running is killed at teardown."""
    # Several processes importing at once on a busy 2-core machine can take over 30 s to
    # say "is running"; this is a guard against a hung start, not a timing assertion.
    launcher = Launcher(tmp_path, ready_seconds=90)
    yield launcher
    launcher.close()


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
