"""OutboundHttp: the one way marshal calls a vendor's JSON API over HTTP (httpx2 + tenacity).

Every call has a timeout (the client's, or one given per call) and bounded retries on
connection errors, timeouts, 5xx and rate limits (429, or a 403 that says it is one),
waiting by the one Retry-After rule of RetryPolicy. Other 4xx mean the request itself is
wrong and are not retried.

Retries are idempotency-safe. GET, HEAD, PUT, DELETE and OPTIONS are retried; a POST or
PATCH only when the caller says the vendor call is idempotent (`idempotent=True`: a
GraphQL query, a write the caller checks for before repeating) or sends an
`idempotency_key`. Otherwise it is retried only when it certainly never reached the server
(the connection could not be made), since a timeout or a 5xx may come after the vendor
acted, and a second try would act twice.

Failures surface as HttpCallFailed with the status and a short reason, never a body over
200 characters; `translate` turns them into the caller's port error (StatusPageError,
DirectoryUnavailable, ...), so adapters keep raising the errors their callers know.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx2
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from bot.adapters.http.retry_policy import RetryPolicy, rate_limited

log = logging.getLogger(__name__)

T = TypeVar("T")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class HttpCallFailed(Exception):
    """One failed call. `transient`: a later try may work (5xx, 429, timeouts, connection).
    `delivered`: False only when the request certainly never reached the server."""

    def __init__(
        self,
        reason: str,
        *,
        method: str,
        path: str,
        status: int | None = None,
        transient: bool = False,
        retry_after: float | None = None,
        delivered: bool = True,
    ) -> None:
        self.reason = reason
        self.method = method
        self.path = path
        self.status = status
        self.transient = transient
        self.retry_after = retry_after
        self.delivered = delivered
        self.attempts = 1
        super().__init__(reason)

    def __str__(self) -> str:
        text = f"HTTP {self.status}: {self.reason}" if self.status else self.reason
        return text + (f" (after {self.attempts} attempts)" if self.attempts > 1 else "")


ErrorTranslator = Callable[[HttpCallFailed], Exception]


class OutboundHttp:
    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
        policy: RetryPolicy | None = None,
        pace: Callable[[], object] | None = None,
        translate: ErrorTranslator | None = None,
    ) -> None:
        """`pace` is called before every attempt (a rate limiter's acquire)."""
        self._base = base_url.rstrip("/")
        self._policy = policy or RetryPolicy()
        self._pace = pace
        self._translate = translate
        self._client = httpx2.Client(
            headers={"Accept": "application/json", **(headers or {})},
            timeout=httpx2.Timeout(timeout),
            follow_redirects=True,  # as urllib did: GitHub answers 301 for a renamed repository
        )

    @property
    def policy(self) -> RetryPolicy:
        return self._policy

    def call_json(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        idempotency_key: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        """One request with retries; the decoded JSON answer (None for an empty body)."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        if idempotent is None:
            idempotent = idempotency_key is not None or method.upper() in IDEMPOTENT_METHODS
        return self.retrying(
            lambda _first: self.once_json(
                method, path, body=body, query=query, headers=headers, timeout=timeout
            ),
            idempotent=idempotent,
        )

    def retrying(self, attempt: Callable[[bool], T], *, idempotent: bool) -> T:
        """Runs `attempt(first)` under the policy; for callers whose retry must first check
        what an ambiguous earlier try did (Statuspage adopts a write it already made)."""
        policy = self._policy

        def worth_retrying(failure: BaseException) -> bool:
            return (
                isinstance(failure, HttpCallFailed)
                and failure.transient
                and policy.waits_for(failure.retry_after)
                and (idempotent or not failure.delivered)
            )

        retrying = Retrying(
            stop=stop_after_attempt(policy.max_attempts),
            retry=retry_if_exception(worth_retrying),
            wait=policy.wait,
            sleep=policy.sleep,
            before_sleep=_log_retry,
            reraise=True,
        )
        attempts = 0
        try:
            for state in retrying:
                with state:
                    attempts = state.retry_state.attempt_number
                    return attempt(attempts == 1)
        except HttpCallFailed as failure:
            failure.attempts = attempts
            if self._translate is None:
                raise
            raise self._translate(failure) from failure
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    def once_json(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        form: Mapping[str, str] | None = None,
    ) -> Any:
        """One attempt, no retries: the decoded answer, or HttpCallFailed. `form` sends the
        body form-encoded instead of JSON (an OAuth token endpoint wants that)."""
        url = self._base + ("/" + path.lstrip("/") if path else "")
        if query:
            # encoded here, as urllib did, so ':' in a timestamp stays %3A on the wire
            url += "?" + urllib.parse.urlencode(query)
        if self._pace is not None:
            self._pace()
        try:
            response = self._client.request(
                method,
                url,
                json=body,
                data=form,
                headers=headers,
                timeout=httpx2.Timeout(timeout)
                if timeout is not None
                else httpx2.USE_CLIENT_DEFAULT,
            )
        except httpx2.UnsupportedProtocol as exc:
            raise HttpCallFailed(f"bad URL: {exc}", method=method, path=path) from exc
        except httpx2.TimeoutException as exc:
            sent = not isinstance(exc, httpx2.ConnectTimeout | httpx2.PoolTimeout)
            raise HttpCallFailed(
                "timed out", method=method, path=path, transient=True, delivered=sent
            ) from exc
        except httpx2.ConnectError as exc:
            raise HttpCallFailed(
                f"cannot connect: {exc}", method=method, path=path, transient=True, delivered=False
            ) from exc
        except httpx2.TransportError as exc:
            raise HttpCallFailed(
                f"connection failed: {exc}", method=method, path=path, transient=True
            ) from exc
        except httpx2.TooManyRedirects as exc:
            raise HttpCallFailed("too many redirects", method=method, path=path) from exc
        if response.is_success:
            return _decoded(response, method, path)
        raise self._failure(response, method, path)

    def close(self) -> None:
        self._client.close()

    def _failure(self, response: httpx2.Response, method: str, path: str) -> HttpCallFailed:
        status, text = response.status_code, _error_text(response)
        limited = rate_limited(status, response.headers)
        if not limited and status < 500:
            return HttpCallFailed(text, method=method, path=path, status=status)
        hinted = self._policy.hint(response.headers)
        if not self._policy.waits_for(hinted):
            what = "rate limited" if limited else "unavailable"
            text = (
                f"{what} for {hinted:.0f}s more, longer than the "
                f"{self._policy.max_retry_after:.0f}s marshal waits: {text}"
            )
        return HttpCallFailed(
            text, method=method, path=path, status=status, transient=True, retry_after=hinted
        )


def _decoded(response: httpx2.Response, method: str, path: str) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise HttpCallFailed("the answer is not JSON", method=method, path=path) from exc


def _error_text(response: httpx2.Response) -> str:
    """The vendor's own message when it sends one as JSON ("error" or "message"), else the
    start of the body on one line, else the reason phrase: short, fit for a log line."""
    try:
        decoded = json.loads(response.content)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict):
        for key in ("error", "message"):
            if decoded.get(key):
                return str(decoded[key])[:200]
    return " ".join(response.text.split())[:200] or response.reason_phrase


def _log_retry(state: RetryCallState) -> None:
    failure = state.outcome.exception() if state.outcome else None
    if isinstance(failure, HttpCallFailed):
        log.info(
            "retrying %s %s after attempt %d: %s",
            failure.method,
            failure.path,
            state.attempt_number,
            failure,
        )
