"""One GET against a context source: a single attempt under a strict timeout.

No retries: the snapshot has one short deadline, and a source that failed once will show
as unavailable rather than hold the room. Failures become ContextUnavailable with a short
reason fit for the room (the status, or what went wrong), never a response body.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.adapters.http.json_client import HttpCallFailed, JsonHttpClient
from bot.ports.context import ContextUnavailable


class SourceEndpoint:
    def __init__(self, base_url: str, *, timeout: float) -> None:
        self._client = JsonHttpClient(base_url, {}, timeout=timeout, max_attempts=1)

    def get(self, path: str, query: Mapping[str, str]) -> Any:
        try:
            return self._client.request("GET", path, query=query)
        except HttpCallFailed as exc:
            reason = f"HTTP {exc.status}" if exc.status else exc.reason
            raise ContextUnavailable(reason.removesuffix(" (after 1 attempts)")) from exc


def mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ContextUnavailable(f"unexpected answer: {what} is not an object")
    return value


def listing(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ContextUnavailable(f"unexpected answer: {what} is not a list")
    return value
