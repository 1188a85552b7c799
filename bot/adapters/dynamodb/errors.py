"""Translation of boto3/DynamoDB failures into the domain's errors.

Connection, endpoint, throttling and missing-table failures mean the store is down for
now (BackendUnavailable, so callers answer 503 and senders retry). A cancelled
transaction is inspected item by item, because which condition failed decides what
the caller should do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from bot.domain.errors import BackendUnavailable

_UNAVAILABLE_CODES = frozenset(
    {
        "ResourceNotFoundException",
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "UnrecognizedClientException",
        "AccessDeniedException",
    }
)
CONDITION_FAILED = "ConditionalCheckFailed"


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Raise BackendUnavailable for failures that are the backend's, not the request's."""
    try:
        yield
    except BotoCoreError as exc:  # endpoint unreachable, timeouts, connection resets
        raise BackendUnavailable(f"DynamoDB unreachable during {what}: {exc}") from exc
    except ClientError as exc:
        if error_code(exc) in _UNAVAILABLE_CODES:
            raise BackendUnavailable(f"DynamoDB refused {what}: {exc}") from exc
        raise


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_condition_failure(exc: ClientError) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


def cancellation_codes(exc: ClientError) -> list[str] | None:
    """Per-item reasons of a TransactionCanceledException, or None for any other error."""
    if error_code(exc) != "TransactionCanceledException":
        return None
    reasons = exc.response.get("CancellationReasons", [])
    return [str(r.get("Code", "None")) for r in reasons]
