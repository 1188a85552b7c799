"""DynamoDB and SQS failing under the webhook: always a 503 with Retry-After and one log line.

The AWS backends run on moto's server behind a proxy that injects the errors the services
send (5xx, throttling, conflicts) or drops connections; the web server is the real one.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from bot.adapters.sqlite.local_queue import LocalQueue
from bot.adapters.sqs.queue import build_sqs_client, ensure_queue
from bot.ingest.catalog import CATALOG
from bot.observability.metrics import Metrics
from bot.wiring.backends import Backends, open_backends
from bot.wiring.dynamodb import dynamodb_client
from bot.wiring.ingress import start_web
from bot.wiring.process import ProcessGroup
from bot.wiring.queues import build_queue
from bot.wiring.stores import build_audit_log, build_store, sqlite_database
from tests.conftest import AwsEndpoint
from tests.fakes.aws_faults import AwsFault, FaultyAws
from tests.web.conftest import SECRETS, ingress_settings

DDB = "DynamoDB_20120810"


@dataclass
class AwsIngress:
    host: str
    port: int
    aws: FaultyAws

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=30)


def signed_alert(key: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"dedup_key": key, "status": "firing", "title": f"alert {key}"}).encode()
    headers = {"Content-Type": "application/json"}
    headers.update(CATALOG["generic"].sign(SECRETS["generic"], body, int(time.time())))
    return body, headers


def post(connection: http.client.HTTPConnection, key: str) -> http.client.HTTPResponse:
    body, headers = signed_alert(key)
    connection.request("POST", "/webhooks/generic", body=body, headers=headers)
    answer = connection.getresponse()
    answer.read()
    return answer


@pytest.fixture
def aws_ingress(
    aws: AwsEndpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AwsIngress]:
    proxy = FaultyAws(upstream=aws.url).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    prefix = f"f{uuid.uuid4().hex[:8]}-"
    queue_url = ensure_queue(build_sqs_client("us-east-1"), prefix, 5)
    settings = ingress_settings(
        tmp_path,
        marshal_store="dynamodb",
        marshal_queue="sqs",
        marshal_queue_url=queue_url,
        marshal_table_prefix=prefix,
    )
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    try:
        server = start_web(group, settings, backends)
        yield AwsIngress(server.host, server.port, proxy)
    finally:
        group.stop()
        proxy.stop()


CANCELLED_BY_THROTTLING = AwsFault(
    "TransactWriteItems",
    400,
    "TransactionCanceledException",
    extra={"CancellationReasons": [{"Code": "ThrottlingError"}, {"Code": "None"}]},
)


@pytest.mark.parametrize(
    "fault",
    [
        AwsFault("TransactWriteItems", 400, "ProvisionedThroughputExceededException"),
        AwsFault("TransactWriteItems", 400, "ThrottlingException"),
        AwsFault("TransactWriteItems", 400, "TransactionConflictException"),
        CANCELLED_BY_THROTTLING,
        # a new alert's whole write is one TransactWriteItems (issue 17): no GetItem to fail
        AwsFault("TransactWriteItems", 400, "RequestLimitExceeded"),
        AwsFault("TransactWriteItems", 500, "InternalServerError"),
        AwsFault("TransactWriteItems", 503, "ServiceUnavailable"),
        AwsFault("TransactWriteItems", 500, ""),  # a bare 500 with no code, as moto's crashes send
        AwsFault("TransactWriteItems", drop_connection=True),
        AwsFault("SendMessage", 500, "InternalError"),
        AwsFault("SendMessage", 400, "AWS.SimpleQueueService.RequestThrottled"),
        AwsFault("SendMessage", 503, "ServiceUnavailable"),
        AwsFault("SendMessage", drop_connection=True),
    ],
    ids=lambda f: f"{f.operation}-{f.code or f.status}{'-dropped' if f.drop_connection else ''}",
)
def test_a_backend_fault_is_a_503_with_one_log_line_and_the_connection_stays_open(
    aws_ingress: AwsIngress, fault: AwsFault, caplog: pytest.LogCaptureFixture
) -> None:
    connection = aws_ingress.connect()
    assert post(connection, "warm-up").status == 202
    local_port = connection.sock.getsockname()[1] if connection.sock else None

    aws_ingress.aws.inject(fault)
    with caplog.at_level(logging.INFO):
        refused = post(connection, "k1")
    assert refused.status == 503
    assert refused.getheader("Retry-After") == "5"
    assert not refused.will_close
    assert aws_ingress.aws.hits, "the fault was never reached"
    problems = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert problems == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == ["webhook refused: backend unavailable"]

    aws_ingress.aws.clear()
    retried = post(connection, "k1")
    assert retried.status in (200, 202)  # 200: stored before the queue failed, now enqueued
    assert connection.sock is not None and connection.sock.getsockname()[1] == local_port
    connection.close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_dynamodb_is_a_503(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    settings = ingress_settings(tmp_path, marshal_store="dynamodb")
    backends = Backends(
        store=build_store(settings),
        audit=build_audit_log(settings),
        queue=LocalQueue(sqlite_database(settings)),
        metrics=Metrics(),
    )
    group = ProcessGroup()
    try:
        server = start_web(group, settings, backends)
        connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
        with caplog.at_level(logging.INFO):
            answer = post(connection, "refused")
        assert (answer.status, answer.getheader("Retry-After")) == (503, "5")
        assert [r for r in caplog.records if r.exc_info] == []
        connection.close()
    finally:
        group.stop()


def test_the_aws_connection_pools_match_the_web_worker_threads(
    aws: AwsEndpoint, tmp_path: Path
) -> None:
    """Fewer pooled connections than threads fills the log with "Connection pool is full"."""
    queue_url = ensure_queue(boto3.client("sqs", region_name="us-east-1"), "pool-", 5)
    settings = ingress_settings(
        tmp_path,
        marshal_http_threads=64,
        marshal_queue="sqs",
        marshal_queue_url=queue_url,
    )
    # botocore-stubs type Config's options as constructor arguments only, not attributes
    assert dynamodb_client(settings).meta.config.max_pool_connections >= 64  # type: ignore[attr-defined]
    queue = build_queue(settings)
    try:
        assert queue._client.meta.config.max_pool_connections >= 64  # type: ignore[attr-defined]
    finally:
        queue.close()
