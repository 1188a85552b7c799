"""JsonHttpClient: JSON over HTTP with a timeout on every request and bounded retries.

Retried: 429 (honouring Retry-After up to a cap), 5xx, timeouts and connection errors.
A 403 that says it is a rate limit (GitHub's style: x-ratelimit-remaining 0, or a
Retry-After) counts as a 429; a limit lifting at x-ratelimit-reset is waited for too.
A rate limit that lifts later than `max_retry_after` fails at once: waiting the cap and
asking again would only be refused again. Not retried: other 4xx, which mean the request
itself is wrong. Failures surface as HttpCallFailed with the status, so adapters turn them
into their port's error.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt


class HttpCallFailed(Exception):
    def __init__(self, reason: str, *, status: int | None = None) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"HTTP {status}: {reason}" if status else reason)


class _Transient(HttpCallFailed):
    def __init__(self, reason: str, *, status: int | None, retry_after: float | None) -> None:
        self.retry_after = retry_after
        super().__init__(reason, status=status)


class JsonHttpClient:
    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        *,
        timeout: float = 10.0,
        max_attempts: int = 3,
        backoff_seconds: float = 0.5,
        max_retry_after: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """`wall_clock` (epoch seconds) turns an x-ratelimit-reset time into a wait."""
        self._base = base_url.rstrip("/")
        self._headers = dict(headers)
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds
        self._max_retry_after = max_retry_after
        self._sleep = sleep
        self._wall_clock = wall_clock

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, str] | None = None,
    ) -> Any:
        url = self._base + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            retry=retry_if_exception_type(_Transient),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self._once, method, url, body)
        except _Transient as exc:
            raise HttpCallFailed(
                f"{exc.reason} (after {self._max_attempts} attempts)", status=exc.status
            ) from exc

    def _wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        hinted = getattr(failure, "retry_after", None)
        if hinted is not None:
            return float(min(hinted, self._max_retry_after))
        return float(min(self._backoff * 2 ** (state.attempt_number - 1), self._max_retry_after))

    def _once(self, method: str, url: str, body: Any) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Accept": "application/json", **self._headers}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310 - http(s) base URL from settings
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")[:200] or str(exc.reason)
            headers = {name.lower(): value for name, value in exc.headers.items()}
            limited = _rate_limited(exc.code, headers)
            if limited or exc.code >= 500:
                retry_after = _retry_after(headers, self._wall_clock())
                if limited and retry_after is not None and retry_after > self._max_retry_after:
                    raise HttpCallFailed(
                        f"rate limited for {retry_after:.0f}s more, longer than the "
                        f"{self._max_retry_after:.0f}s marshal waits: {text}",
                        status=exc.code,
                    ) from exc
                raise _Transient(text, status=exc.code, retry_after=retry_after) from exc
            raise HttpCallFailed(text, status=exc.code) from exc
        except TimeoutError as exc:
            raise _Transient("timed out", status=None, retry_after=None) from exc
        except urllib.error.URLError as exc:
            raise _Transient(
                f"cannot connect: {exc.reason}", status=None, retry_after=None
            ) from exc
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise HttpCallFailed("the answer is not JSON") from exc


def _rate_limited(status: int, headers: Mapping[str, str]) -> bool:
    """`headers` with lower-case names, as every helper here takes them."""
    if status == 429:
        return True
    return status == 403 and (
        headers.get("x-ratelimit-remaining") == "0" or headers.get("retry-after") is not None
    )


def _retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Retry-After (seconds) first; else the wait until x-ratelimit-reset (epoch seconds)."""
    hinted = _seconds(headers.get("retry-after"))
    if hinted is not None or headers.get("x-ratelimit-remaining") != "0":
        return hinted
    reset = _seconds(headers.get("x-ratelimit-reset"))
    return None if reset is None else max(0.0, reset - now)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
