"""For benchmarks/ingest.py --backend aws: a fresh moto server with marshal's SQS queue, and
the webhook's AWS call counter read from its /metrics.

moto runs as its own process so its work does not share a GIL with the load generator, with
DynamoDB requests applied one at a time and transactions that snapshot only the items they name
(tests/fakes/moto.py): moto's own transactions copy and restore whole tables, so each costs time
in proportion to the tables, and interleaved they lose writes (seen as moto 500s and audit
chains that no longer reach their anchored head) that real DynamoDB keeps. The DynamoDB tables are
created by `marshal webhook` itself on start (local emulation, bot/wiring/backends.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3

_CALL = re.compile(r'^marshal_aws_calls_total\{operation="([^"]+)",service="([^"]+)"\} (\S+)$')


_SERVE_MOTO = """
import logging, sys, threading
logging.disable(logging.CRITICAL)
from tests.fakes.moto import dynamodb_requests, serialised_moto
with serialised_moto(only=dynamodb_requests) as url:
    print(url, flush=True)
    threading.Event().wait()
"""


@contextmanager
def moto_backend(backend: str, tmp: Path) -> Iterator[dict[str, str]]:
    """Nothing for sqlite; for aws, a moto server and the settings that point marshal at it."""
    if backend != "aws":
        yield {}
        return
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVE_MOTO],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert server.stdout is not None
    endpoint = server.stdout.readline().strip()
    aws = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
    os.environ.update(aws)  # for this process's own reads (the storm's check)
    try:
        _wait_for(endpoint)
        sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)
        url = sqs.create_queue(
            QueueName="bench-events.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"},
        )["QueueUrl"]
        yield {
            **aws,
            "MARSHAL_STORE": "dynamodb",
            "MARSHAL_QUEUE": "sqs",
            "MARSHAL_QUEUE_URL": url,
            "MARSHAL_TABLE_PREFIX": "bench-",
            "MARSHAL_AUDIT_KEY": "bench-audit-key-0123456789abcdef",
        }
    finally:
        server.kill()
        server.wait(10)


class AwsCalls:
    """The webhook process's AWS calls, from its /metrics."""

    def __init__(self, base_url: str) -> None:
        self._url = f"{base_url}/metrics"

    def read(self) -> Counter[str]:
        with urllib.request.urlopen(self._url, timeout=10) as response:
            text = response.read().decode()
        calls: Counter[str] = Counter()
        for line in text.splitlines():
            if found := _CALL.match(line):
                calls[found.group(1)] += int(float(found.group(3)))
        return calls

    def settled(self, quiet_seconds: float = 1.0) -> Counter[str]:
        """The count once background calls (lazy outbox marks) stopped moving."""
        last = self.read()
        while True:
            time.sleep(quiet_seconds)
            now = self.read()
            if now == last:
                return now
            last = now

    def per_request(self, name: str, before: Counter[str], requests: int) -> str:
        spent = self.settled() - before
        total = sum(spent.values())
        detail = ", ".join(f"{op} {n / requests:.2f}" for op, n in sorted(spent.items()))
        return f"{'':<14} AWS calls per request {total / requests:.2f} ({detail or 'none'})"


def _wait_for(endpoint: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(endpoint, timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"moto server at {endpoint} did not start")
