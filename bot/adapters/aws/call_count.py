"""AwsCallCount: how many AWS API calls this process made, by service and operation.

On DynamoDB every round trip costs 5-20 ms and a request unit, so the number of calls per
webhook request is what a production deployment pays (issue 17). Each AWS client marshal
builds registers `count_calls`; botocore's `before-call` event fires once per API operation
(retries of one operation are not counted again), and GET /metrics exports the tally as
`marshal_aws_calls_total{service, operation}`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector


class AwsCallCount(Collector):
    """A thread-safe tally of API calls; also a Prometheus collector."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[tuple[str, str]] = Counter()

    def record(self, service: str, operation: str) -> None:
        with self._lock:
            self._calls[(service, operation)] += 1

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._calls)

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "marshal_aws_calls",
            "AWS API calls, by service and operation",
            labels=["service", "operation"],
        )
        for (service, operation), count in sorted(self.snapshot().items()):
            family.add_metric([service, operation], count)
        yield family


# One per process, like the clients it counts: every client built by wiring reports here.
AWS_CALLS = AwsCallCount()


def count_calls(client: Any, tally: AwsCallCount = AWS_CALLS) -> None:
    """Count every API call `client` makes (a boto3 client) in `tally`."""
    service = client.meta.service_model.service_name

    def on_call(model: Any, **_: Any) -> None:
        tally.record(service, model.name)

    # a unique id: registering the same client twice must not count its calls twice
    client.meta.events.register(
        f"before-call.{client.meta.service_model.endpoint_prefix}",
        on_call,
        unique_id=f"marshal-call-count-{id(tally)}",
    )
