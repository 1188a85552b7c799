"""Translation of boto3/DynamoDB failures into the domain's errors.

Connection, endpoint, throttling, 5xx and missing-table failures mean the store is down for
now (BackendUnavailable, so callers answer 503 and senders retry; the rule is shared with SQS
in bot/adapters/aws/outages.py). A cancelled transaction is inspected item by item, because
which condition failed decides what the caller should do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from bot.adapters.aws.outages import describe, error_code, is_outage
from bot.domain.errors import BackendUnavailable

__all__ = [
    "CONDITION_FAILED",
    "cancellation_codes",
    "error_code",
    "is_condition_failure",
    "translated_errors",
]

CONDITION_FAILED = "ConditionalCheckFailed"
# Cancellation reasons that are DynamoDB's capacity, not a race another attempt could win.
_THROTTLED_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded"})


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Raise BackendUnavailable for failures that are the backend's, not the request's."""
    try:
        yield
    except BotoCoreError as exc:  # endpoint unreachable, timeouts, connection resets
        raise BackendUnavailable(f"DynamoDB unreachable during {what}: {describe(exc)}") from exc
    except ClientError as exc:
        if is_outage(exc):
            raise BackendUnavailable(f"DynamoDB refused {what}: {describe(exc)}") from exc
        raise


def is_condition_failure(exc: ClientError) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


def cancellation_codes(exc: ClientError) -> list[str] | None:
    """Per-item reasons of a TransactionCanceledException, or None for any other error.
    A transaction cancelled for throttling raises BackendUnavailable: retrying at once
    would only add load to a table that is already over its capacity."""
    if error_code(exc) != "TransactionCanceledException":
        return None
    reasons = exc.response.get("CancellationReasons", [])
    codes = [str(r.get("Code", "None")) for r in reasons]
    if _THROTTLED_REASONS.intersection(codes):
        raise BackendUnavailable(f"DynamoDB throttled a transaction: {', '.join(codes)}")
    return codes
