"""The benchmark's moto request log counts each call by the access key that signed it, its
service and operation, and times moto's DynamoDB work (tests/fakes/moto_request_log.py)."""

from __future__ import annotations

import json
import urllib.request

from tests.fakes.moto import moto_dynamodb, moto_sqs
from tests.fakes.moto_request_log import LOG_PATH, logged_moto


def test_counts_calls_by_caller_service_and_operation() -> None:
    with logged_moto(per_item=False) as url:
        dynamodb = moto_dynamodb(url, caller="webhook-1")
        sqs = moto_sqs(url, caller="processor-2")
        dynamodb.list_tables()
        dynamodb.list_tables()
        queue = sqs.create_queue(QueueName="log.fifo", Attributes={"FifoQueue": "true"})
        sqs.get_queue_attributes(QueueUrl=queue["QueueUrl"], AttributeNames=["All"])
        with urllib.request.urlopen(url + LOG_PATH, timeout=10) as response:
            log = json.loads(response.read())

    calls = {(c["caller"], c["service"], c["operation"]): c["count"] for c in log["calls"]}
    assert calls == {
        ("webhook-1", "dynamodb", "ListTables"): 2,
        ("processor-2", "sqs", "CreateQueue"): 1,
        ("processor-2", "sqs", "GetQueueAttributes"): 1,
    }
    assert 0 < log["dynamodb_seconds"] <= log["uptime_seconds"]
