"""Which AWS failures mean "the backend is down for now": one rule for DynamoDB and SQS.

Applied at the adapter edge, after botocore's own bounded retries gave up. An outage becomes
the domain's BackendUnavailable, so the webhook answers 503 with Retry-After and the sender
retries; anything else is the request's own fault (a failed condition, a validation error)
and stays a ClientError for the adapter to interpret.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

# Throttling, as DynamoDB, SQS and botocore's standard retry mode name it.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "AWS.SimpleQueueService.RequestThrottled",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "KmsThrottled",
        "KMS.ThrottlingException",
        "SlowDown",
    }
)
# Service-side trouble that a later retry is expected to get past.
TRANSIENT_CODES = frozenset(
    {
        "InternalServerError",
        "InternalFailure",
        "InternalError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "AWS.SimpleQueueService.ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)
# Configuration trouble of this deployment (credentials, missing table or queue): the backend
# cannot serve anyone until an operator acts, which is still "unavailable" to a sender.
DEPLOYMENT_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "ResourceNotFoundException",
        "QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
    }
)
_OUTAGE_CODES = THROTTLING_CODES | TRANSIENT_CODES | DEPLOYMENT_CODES


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def http_status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)


def is_outage(exc: BotoCoreError | ClientError) -> bool:
    """True for a failure of the backend (throttled, 5xx, unreachable), not of the request."""
    if isinstance(exc, BotoCoreError):
        # endpoint unreachable, connection closed or reset, read timeout, pool exhausted
        return True
    status = http_status(exc)
    return error_code(exc) in _OUTAGE_CODES or status >= 500 or status == 429


def describe(exc: BotoCoreError | ClientError) -> str:
    """One short line for logs and 503 bodies: the code and status, never a traceback."""
    if isinstance(exc, ClientError):
        return f"{error_code(exc) or 'error'} (HTTP {http_status(exc)})"
    return f"{type(exc).__name__}: {exc}"
