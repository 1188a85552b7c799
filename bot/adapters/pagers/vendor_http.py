"""The HTTP client every pager adapter uses: OutboundHttp (timeouts, tenacity retries, the one
Retry-After rule) whose failures read as a PagerError naming the vendor's API."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.adapters.http.retry_policy import RetryPolicy
from bot.ports.pager import PagerError


def pager_http(
    base_url: str,
    vendor: str,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    max_attempts: int,
    sleep: Callable[[float], None],
) -> OutboundHttp:
    """`vendor` names the API in errors, e.g. "Opsgenie Alert API"."""

    def pager_error(failure: HttpCallFailed) -> Exception:
        return PagerError(f"{vendor}: {failure}")

    return OutboundHttp(
        base_url,
        headers=dict(headers or {}),
        timeout=timeout,
        policy=RetryPolicy(max_attempts=max_attempts, sleep=sleep),
        translate=pager_error,
    )
