"""Fault injection for the sandbox: latency per Web API call, 429s with Retry-After, 5xx, drops.

Tests and benchmarks arm faults from their own thread; the server's handlers consume them on
its event loop, so everything here sits behind one lock. A fault armed for `method=None`
applies to every Web API method.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HttpFault:
    """What the next matching call answers instead of doing its job."""

    status: int
    error: str
    retry_after: int | None = None


@dataclass
class _Armed:
    method: str | None
    fault: HttpFault
    remaining: int


class Faults:
    """Armed faults; `drop_connections` closes every live Socket Mode connection now."""

    def __init__(self, drop_connections: Callable[[bool], int] | None = None) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []
        self._latency: dict[str | None, float] = {}
        self._drop = drop_connections

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        """Delay every call of `method` (or of every method) by `seconds` before answering."""
        with self._lock:
            if seconds <= 0:
                self._latency.pop(method, None)
            else:
                self._latency[method] = seconds

    def rate_limit(
        self, method: str | None = None, *, times: int = 1, retry_after: int = 1
    ) -> None:
        """The next `times` calls answer HTTP 429 `ratelimited` with a Retry-After header."""
        self._arm(method, HttpFault(429, "ratelimited", retry_after), times)

    def server_error(self, method: str | None = None, *, times: int = 1, status: int = 500) -> None:
        """The next `times` calls answer a 5xx, as Slack does during an outage."""
        if not 500 <= status <= 599:
            raise ValueError(f"{status} is not a 5xx status")
        self._arm(method, HttpFault(status, "fatal_error"), times)

    def drop_connections(self, *, graceful: bool = True) -> int:
        """Drop every Socket Mode connection; returns how many were open.

        graceful: Slack's `disconnect` message first (the client reconnects at once); otherwise
        the socket just closes and the client finds out on its next ping check.
        """
        if self._drop is None:
            return 0
        return self._drop(graceful)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self._latency.clear()

    def _arm(self, method: str | None, fault: HttpFault, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._armed.append(_Armed(method, fault, times))

    def latency_for(self, method: str) -> float:
        with self._lock:
            return self._latency.get(method, self._latency.get(None, 0.0))

    def take(self, method: str) -> HttpFault | None:
        """Consumes one armed fault matching `method`, oldest first."""
        with self._lock:
            for armed in self._armed:
                if armed.method in (None, method):
                    armed.remaining -= 1
                    if armed.remaining == 0:
                        self._armed.remove(armed)
                    return armed.fault
            return None
