"""SQS FIFO adapter of the `Queue` port, and the queue pair it needs (`ensure_queue`).

Mapping: MessageGroupId = incident id (per-incident order), MessageDeduplicationId =
event id (idempotent send within SQS's five-minute window), body = the message JSON,
receipt = the receipt handle, receive_count = ApproximateReceiveCount. The dead-letter
queue is the one named by the main queue's RedrivePolicy; SQS itself moves a message
there once it was received `maxReceiveCount` times without a delete.

Batches: SQS may hand out several messages of one group in one receive, in send order;
callers that need one-at-a-time per incident ask for `max_messages=1` (the consumer does).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from bot.adapters.aws.call_count import count_calls
from bot.adapters.aws.clients import client_config
from bot.adapters.aws.outages import describe, error_code, is_outage
from bot.domain.errors import BackendUnavailable
from bot.ports.queue import DeadLetter, Delivery, QueueMessage

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType
    from mypy_boto3_sqs.type_defs import MessageTypeDef

MAX_WAIT_SECONDS = 20  # SQS's long-poll ceiling
MAX_BATCH = 10
REASON_ATTRIBUTE = "marshal-reason"
RECEIVE_COUNT_ATTRIBUTE = "marshal-receive-count"
DEAD_AT_ATTRIBUTE = "marshal-dead-at"
UNREADABLE_EVENT_TYPE = "(unreadable)"

# Receipt handles that are no longer valid: the message was deleted, given back or redelivered.
_STALE_RECEIPT_CODES = frozenset(
    {
        "ReceiptHandleIsInvalid",
        "MessageNotInflight",
        "AWS.SimpleQueueService.MessageNotInflight",
    }
)


def build_sqs_client(region: str, *, threads: int = 40) -> SQSClient:
    """An SQS client with timeouts, bounded retries and a connection pool for `threads`
    concurrent callers (see bot/adapters/aws/clients.py); boto3 honours AWS_ENDPOINT_URL."""
    config = client_config(
        threads=threads,
        connect_timeout=5,
        read_timeout=MAX_WAIT_SECONDS + 10,  # must outlast a full long poll
    )
    client = boto3.client("sqs", region_name=region, config=config)
    count_calls(client)
    return client


def ensure_queue(
    client: SQSClient, name_prefix: str, max_receives: int, *, visibility_seconds: int = 60
) -> str:
    """Create (or find) `<prefix>events.fifo` and `<prefix>events-dlq.fifo`; return the main URL.

    For local emulation and tests; production queues come from infra/ CloudFormation.
    """
    fifo: dict[QueueAttributeNameType, str] = {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "false",
    }
    with _translated_errors("create the event queues"):
        dlq_url = client.create_queue(
            QueueName=f"{name_prefix}events-dlq.fifo",
            Attributes={**fifo, "MessageRetentionPeriod": "1209600"},
        )["QueueUrl"]
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives}
        return client.create_queue(
            QueueName=f"{name_prefix}events.fifo",
            Attributes={
                **fifo,
                "VisibilityTimeout": str(visibility_seconds),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]


class SqsQueue:
    """The `Queue` port on an SQS FIFO queue with a redrive policy."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url
        self._redrive: tuple[str, int] | None = None  # (dead-letter queue URL, maxReceiveCount)

    @property
    def queue_url(self) -> str:
        return self._url

    def close(self) -> None:
        self._client.close()

    def ping(self) -> None:
        with _translated_errors("reach the event queue"):
            self._client.get_queue_attributes(QueueUrl=self._url, AttributeNames=["QueueArn"])

    def send(self, message: QueueMessage) -> None:
        with _translated_errors("send an event"):
            self._client.send_message(
                QueueUrl=self._url,
                MessageBody=message.model_dump_json(),
                MessageGroupId=message.incident_id,
                MessageDeduplicationId=message.event_id,
            )

    def receive(
        self, *, max_messages: int = 10, wait_seconds: float = 1.0, visibility_seconds: int = 60
    ) -> list[Delivery]:
        with _translated_errors("receive events"):
            response = self._client.receive_message(
                QueueUrl=self._url,
                MaxNumberOfMessages=min(MAX_BATCH, max(1, max_messages)),
                WaitTimeSeconds=min(MAX_WAIT_SECONDS, max(0, math.ceil(wait_seconds))),
                VisibilityTimeout=max(0, visibility_seconds),
                MessageSystemAttributeNames=["ApproximateReceiveCount"],
            )
        deliveries: list[Delivery] = []
        for raw in response.get("Messages", []):
            try:
                message = QueueMessage.model_validate_json(raw.get("Body", ""))
            except ValidationError:
                self._dead_letter_unreadable(raw)
                continue
            deliveries.append(
                Delivery(
                    message=message,
                    receipt=raw["ReceiptHandle"],
                    receive_count=int(raw.get("Attributes", {}).get("ApproximateReceiveCount", 1)),
                )
            )
        return deliveries

    def ack(self, delivery: Delivery) -> None:
        with _translated_errors("acknowledge an event"), _stale_receipt_ignored():
            self._client.delete_message(QueueUrl=self._url, ReceiptHandle=delivery.receipt)

    def retry_later(self, delivery: Delivery, *, delay_seconds: int = 0) -> None:
        self._change_visibility(delivery, max(0, delay_seconds))

    def extend(self, delivery: Delivery, *, visibility_seconds: int) -> None:
        self._change_visibility(delivery, max(0, visibility_seconds))

    def dead_letter(self, delivery: Delivery, *, reason: str) -> None:
        message = delivery.message
        dlq_url, _ = self._redrive_policy()
        with _translated_errors("dead-letter an event"):
            self._client.send_message(
                QueueUrl=dlq_url,
                MessageBody=message.model_dump_json(),
                MessageGroupId=message.incident_id,
                MessageDeduplicationId=message.event_id,
                MessageAttributes={
                    REASON_ATTRIBUTE: {"DataType": "String", "StringValue": reason or "-"},
                    RECEIVE_COUNT_ATTRIBUTE: {
                        "DataType": "Number",
                        "StringValue": str(delivery.receive_count),
                    },
                    DEAD_AT_ATTRIBUTE: {
                        "DataType": "String",
                        "StringValue": datetime.now(UTC).isoformat(),
                    },
                },
            )
        # Sent before deleted: a crash in between leaves a copy that the DLQ's dedup absorbs.
        self.ack(delivery)

    def dead_letters(self, *, limit: int = 100) -> list[DeadLetter]:
        """Peek: receive from the DLQ, then make every message visible again at once.

        ApproximateReceiveCount counts peeks too, so for messages SQS moved itself the
        reported count is approximate (this peek is subtracted, earlier ones are not).
        """
        dlq_url, max_receives = self._redrive_policy()
        seen: dict[str, MessageTypeDef] = {}
        with _translated_errors("list dead letters"):
            try:
                while len(seen) < limit:
                    batch = self._client.receive_message(
                        QueueUrl=dlq_url,
                        MaxNumberOfMessages=min(MAX_BATCH, limit - len(seen)),
                        WaitTimeSeconds=0,
                        VisibilityTimeout=30,  # hidden while we page, so each call finds new ones
                        MessageSystemAttributeNames=["ApproximateReceiveCount"],
                        MessageAttributeNames=["All"],
                    ).get("Messages", [])
                    fresh = [m for m in batch if m.get("MessageId", "") not in seen]
                    if not fresh:
                        break
                    seen.update((m.get("MessageId", ""), m) for m in fresh)
            finally:
                self._release(dlq_url, list(seen.values()))
        return [_dead_letter_from(raw, max_receives) for raw in seen.values()]

    def _release(self, queue_url: str, messages: list[MessageTypeDef]) -> None:
        for start in range(0, len(messages), MAX_BATCH):
            chunk = messages[start : start + MAX_BATCH]
            self._client.change_message_visibility_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(chunk)
                ],
            )

    def _change_visibility(self, delivery: Delivery, seconds: int) -> None:
        with _translated_errors("change an event's visibility"), _stale_receipt_ignored():
            self._client.change_message_visibility(
                QueueUrl=self._url, ReceiptHandle=delivery.receipt, VisibilityTimeout=seconds
            )

    def _dead_letter_unreadable(self, raw: MessageTypeDef) -> None:
        """A body that is not a marshal message can never be handled: park it as it is."""
        dlq_url, _ = self._redrive_policy()
        message_id = raw.get("MessageId", "unknown")
        with _translated_errors("dead-letter an unreadable message"):
            self._client.send_message(
                QueueUrl=dlq_url,
                MessageBody=raw.get("Body", "") or "-",
                MessageGroupId="unreadable",
                MessageDeduplicationId=message_id,
                MessageAttributes={
                    REASON_ATTRIBUTE: {"DataType": "String", "StringValue": "unreadable body"},
                },
            )
            with _stale_receipt_ignored():
                self._client.delete_message(QueueUrl=self._url, ReceiptHandle=raw["ReceiptHandle"])

    def _redrive_policy(self) -> tuple[str, int]:
        if self._redrive is None:
            with _translated_errors("read the queue's redrive policy"):
                attributes = self._client.get_queue_attributes(
                    QueueUrl=self._url, AttributeNames=["RedrivePolicy"]
                ).get("Attributes", {})
                if "RedrivePolicy" not in attributes:
                    raise BackendUnavailable(
                        f"queue {self._url} has no RedrivePolicy, so no dead-letter queue"
                    )
                policy = json.loads(attributes["RedrivePolicy"])
                # arn:aws:sqs:<region>:<account>:<name>
                _, _, _, _, account, name = str(policy["deadLetterTargetArn"]).split(":", 5)
                dlq_url = self._client.get_queue_url(
                    QueueName=name, QueueOwnerAWSAccountId=account
                )["QueueUrl"]
            self._redrive = (dlq_url, int(policy["maxReceiveCount"]))
        return self._redrive


def _dead_letter_from(raw: MessageTypeDef, max_receives: int) -> DeadLetter:
    attributes = raw.get("MessageAttributes", {})

    def attribute(name: str) -> str | None:
        return attributes[name].get("StringValue") if name in attributes else None

    try:
        message = QueueMessage.model_validate_json(raw.get("Body", ""))
    except ValidationError:
        message = QueueMessage(
            event_id=raw.get("MessageId", "unknown"),
            event_type=UNREADABLE_EVENT_TYPE,
            incident_id="",
        )
    explicit_count = attribute(RECEIVE_COUNT_ATTRIBUTE)
    if explicit_count is not None:
        receive_count = int(explicit_count)
    else:
        # This peek counted one receive of its own.
        approximate = int(raw.get("Attributes", {}).get("ApproximateReceiveCount", 1))
        receive_count = max(1, approximate - 1)
    dead_at = attribute(DEAD_AT_ATTRIBUTE)
    return DeadLetter(
        message=message,
        receive_count=receive_count,
        reason=attribute(REASON_ATTRIBUTE)
        or f"received more than the queue's maxReceiveCount ({max_receives}) times",
        dead_at=datetime.fromisoformat(dead_at) if dead_at else None,
    )


@contextmanager
def _translated_errors(action: str) -> Iterator[None]:
    """Connection failures, throttling and service-side outages become `BackendUnavailable`
    (the rule shared with DynamoDB: bot/adapters/aws/outages.py)."""
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        if is_outage(exc):
            raise BackendUnavailable(f"SQS: could not {action}: {describe(exc)}") from exc
        raise


@contextmanager
def _stale_receipt_ignored() -> Iterator[None]:
    """Like the local queue, an out-of-date receipt changes nothing: the message came back."""
    try:
        yield
    except ClientError as exc:
        if error_code(exc) not in _STALE_RECEIPT_CODES:
            raise
