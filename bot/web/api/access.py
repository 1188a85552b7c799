"""The API's guard rails: the bearer token, its scope and a per-token rate limit.

The limit is a token bucket per token (`burst` requests at once, refilled at `per_minute`),
held in a bounded cachetools TTLCache so idle tokens cost nothing; a refusal says how many
seconds until the next request is allowed (Retry-After). It is per process, which is what a
replica can promise without another round trip per request.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache

BEARER = "bearer "


def bearer_token(authorization: str | None) -> str | None:
    if not authorization or not authorization.lower().startswith(BEARER):
        return None
    return authorization[len(BEARER) :].strip() or None


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(
        self,
        per_minute: int,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_tokens: int = 10_000,
    ) -> None:
        if per_minute < 1:
            raise ValueError("the rate limit must allow at least one request a minute")
        self._rate = per_minute / 60.0
        self._burst = float(burst or per_minute)
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: TTLCache[str, _Bucket] = TTLCache(
            maxsize=max_tokens, ttl=self._burst / self._rate + 60, timer=clock
        )

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds to wait before the next one."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key) or _Bucket(self._burst, now)
            bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.at) * self._rate)
            bucket.at = now
            self._buckets[key] = bucket
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self._rate


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
