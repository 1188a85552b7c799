"""Translation of boto3/DynamoDB failures into the domain's errors.

Connection, endpoint, throttling, 5xx and missing-table failures mean the store is down for
now (BackendUnavailable, so callers answer 503 and senders retry; the rule is shared with SQS
in bot/adapters/aws/outages.py). A cancelled transaction is inspected item by item, because
which condition failed decides what the caller should do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from bot.adapters.aws.outages import describe, error_code, is_outage
from bot.domain.errors import BackendUnavailable

if TYPE_CHECKING:  # stub package: a dev extra, absent from `pip install .`
    from bot.adapters.dynamodb.items import Item

__all__ = [
    "CONDITION_FAILED",
    "Cancellation",
    "cancellation_codes",
    "cancellation_reasons",
    "error_code",
    "is_condition_failure",
    "stored_item",
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


def stored_item(exc: ClientError) -> Item | None:
    """The item a failed conditional PutItem/UpdateItem found, when the request asked for it
    with ReturnValuesOnConditionCheckFailure=ALL_OLD; None when there was no item."""
    # botocore puts the modeled `Item` of ConditionalCheckFailedException beside `Error`
    return cast("Item | None", dict(exc.response).get("Item"))


@dataclass(frozen=True)
class Cancellation:
    """Why one item of a cancelled transaction was cancelled: its code ("None" when it was
    fine and only cancelled with the rest), and the stored item when the failed write asked
    for it with ReturnValuesOnConditionCheckFailure=ALL_OLD."""

    code: str
    item: Item | None = None

    @property
    def condition_failed(self) -> bool:
        return self.code == CONDITION_FAILED


def cancellation_reasons(exc: ClientError) -> list[Cancellation] | None:
    """Per-item reasons of a TransactionCanceledException, or None for any other error.
    A transaction cancelled for throttling raises BackendUnavailable: retrying at once
    would only add load to a table that is already over its capacity."""
    if error_code(exc) != "TransactionCanceledException":
        return None
    raw: list[Any] = list(exc.response.get("CancellationReasons", []))
    reasons = [Cancellation(str(r.get("Code", "None")), r.get("Item") or None) for r in raw]
    codes = [r.code for r in reasons]
    if _THROTTLED_REASONS.intersection(codes):
        raise BackendUnavailable(f"DynamoDB throttled a transaction: {', '.join(codes)}")
    return reasons


def cancellation_codes(exc: ClientError) -> list[str] | None:
    """Just the codes of `cancellation_reasons`."""
    reasons = cancellation_reasons(exc)
    return None if reasons is None else [r.code for r in reasons]
