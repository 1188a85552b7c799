"""RetryPolicy: how many times an outbound call is tried and how long it waits in between.

The ONE Retry-After rule every vendor call (and the model API) waits by: a hint in
seconds or as an HTTP date (RFC 9110 section 10.2.3), else, when a rate limit says nothing
is left (`x-ratelimit-remaining: 0`), the time until `x-ratelimit-reset` (epoch seconds,
GitHub's style). A hint up to `max_retry_after` is waited once per retry; a longer one
fails the call at once, since waiting the cap and asking again would only be refused
again. Without a hint the wait is exponential backoff, capped.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tenacity import RetryCallState


def retry_after_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asks us to wait, or None. `headers` is case-insensitive
    (httpx2.Headers), or a plain mapping with lower-case names."""
    hinted = _seconds_or_date(headers.get("retry-after"), now)
    if hinted is not None or headers.get("x-ratelimit-remaining") != "0":
        return hinted
    try:
        reset = float(headers.get("x-ratelimit-reset") or "")
    except ValueError:
        return None
    return max(0.0, reset - now)


def rate_limited(status: int, headers: Mapping[str, str]) -> bool:
    """429, or a 403 that says it is a rate limit (GitHub answers secondary limits so)."""
    if status == 429:
        return True
    return status == 403 and (
        headers.get("x-ratelimit-remaining") == "0" or headers.get("retry-after") is not None
    )


def _seconds_or_date(value: str | None, now: float) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None  # neither form: our own backoff decides
    return max(0.0, email.utils.mktime_tz(parsed) - now)


@dataclass(frozen=True)
class RetryPolicy:
    """`sleep` and `wall_clock` are injectable so tests read the waits instead of sleeping."""

    max_attempts: int = 3
    backoff_seconds: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 10.0
    sleep: Callable[[float], None] = field(default=time.sleep)
    wall_clock: Callable[[], float] = field(default=time.time)

    def hint(self, headers: Mapping[str, str]) -> float | None:
        return retry_after_seconds(headers, self.wall_clock())

    def waits_for(self, hinted: float | None) -> bool:
        """Whether a hint is short enough to wait out (no hint: our backoff, always)."""
        return hinted is None or hinted <= self.max_retry_after

    def wait_seconds(self, hinted: float | None, attempt_number: int) -> float:
        """The wait after attempt `attempt_number` (from 1): the hint, else backoff."""
        if hinted is not None:
            return min(float(hinted), self.max_retry_after)
        backoff = self.backoff_seconds * 2 ** (attempt_number - 1)
        return float(min(backoff, self.max_backoff))

    def wait(self, state: RetryCallState) -> float:
        """tenacity's wait, for failures that carry a `retry_after` (HttpCallFailed)."""
        failure = state.outcome.exception() if state.outcome else None
        hinted = getattr(failure, "retry_after", None)
        hinted = hinted if isinstance(hinted, float) else None
        return self.wait_seconds(hinted, state.attempt_number)
