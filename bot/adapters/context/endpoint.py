"""One GET against a context source: a single attempt under a strict timeout.

No retries: the snapshot has one short deadline, and a source that failed once will show
as unavailable rather than hold the room. Failures become ContextUnavailable with a short
reason fit for the room (the status, or what went wrong), never a response body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.adapters.http.retry_policy import RetryPolicy
from bot.ports.context import ContextUnavailable


def _unavailable(failure: HttpCallFailed) -> ContextUnavailable:
    return ContextUnavailable(f"HTTP {failure.status}" if failure.status else failure.reason)


class SourceEndpoint:
    def __init__(self, base_url: str, *, timeout: float) -> None:
        self._http = OutboundHttp(
            base_url,
            timeout=timeout,
            policy=RetryPolicy(max_attempts=1),
            translate=_unavailable,
        )

    def get(self, path: str, query: Mapping[str, str]) -> Any:
        return self._http.call_json("GET", path, query=query)


def mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ContextUnavailable(f"unexpected answer: {what} is not an object")
    return value


def listing(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ContextUnavailable(f"unexpected answer: {what} is not a list")
    return value
