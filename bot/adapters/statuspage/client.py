"""StatuspageClient: the StatusPage port over Statuspage.io's REST API v1.

Every request is paced by one TokenBucket per client (one API key), has a strict
timeout, and is retried a bounded number of times on 429, 5xx, timeouts and connection
errors, honouring Retry-After. Writes are idempotent on the draft marker: before a retry
the client looks for what an ambiguous first attempt (timeout, 5xx after the server
acted) may already have written, and returns that instead of writing twice.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.error import URLError

from pydantic import SecretStr, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from bot.adapters.statuspage.pacing import TokenBucket
from bot.domain.errors import ConfigurationError
from bot.domain.models import PublicStatus
from bot.ports.status_page import ComponentStatus, PublicIncident, PublishMarker, StatusPageError
from bot.settings import Settings

T = TypeVar("T")

RECENT_INCIDENTS = 100  # how far back a marker search looks


class _Transient(Exception):
    """A failure a retry may fix; turned into StatusPageError(retryable=True) at the end."""

    def __init__(self, message: str, *, status: int | None, retry_after: float | None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(message)


def _retry_after(value: str | None) -> float | None:
    # Statuspage sends whole seconds; an HTTP-date form falls back to our own backoff
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _error_text(raw: bytes) -> str:
    try:
        decoded = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")[:200]
    if isinstance(decoded, dict) and "error" in decoded:
        return str(decoded["error"])[:200]
    return str(decoded)[:200]


class StatuspageClient:
    def __init__(
        self,
        base_url: str,
        api_key: SecretStr,
        page_id: str,
        *,
        timeout: float = 10.0,
        requests_per_second: float = 1.0,
        max_attempts: int = 4,
        backoff_seconds: float = 1.0,
        max_retry_after: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base = base_url.rstrip("/") + "/"
        self._key = api_key
        self._page = urllib.parse.quote(page_id, safe="")
        self._timeout = timeout
        self._bucket = TokenBucket(requests_per_second, sleep=sleep)
        self._max_attempts = max_attempts
        self._backoff = wait_exponential(multiplier=backoff_seconds, max=max_retry_after)
        self._max_retry_after = max_retry_after
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings) -> StatuspageClient:
        if settings.statuspage_api_key is None or not settings.statuspage_page_id:
            raise ConfigurationError(
                "STATUSPAGE_API_KEY and STATUSPAGE_PAGE_ID are required to publish "
                "to the status page"
            )
        return cls(
            settings.statuspage_api_url, settings.statuspage_api_key, settings.statuspage_page_id
        )

    # reads

    def find_incident(self, *, incident_id: str) -> PublicIncident | None:
        return self._retrying(lambda _first: self._find(incident_id=incident_id))

    def get_incident(self, public_id: str) -> PublicIncident:
        return self._retrying(lambda _first: self._get(public_id))

    # writes: called only from bot/gates/

    def create_incident(
        self, *, name: str, body: str, status: PublicStatus, marker: PublishMarker
    ) -> PublicIncident:
        payload = {
            "incident": {
                "name": name,
                "status": status.value,
                "body": body,
                "metadata": marker.as_metadata(),
                "deliver_notifications": True,
            }
        }

        def attempt(first: bool) -> PublicIncident:
            if not first:
                earlier = self._find(incident_id=marker.incident_id, draft_id=marker.draft_id)
                if earlier is not None:
                    return earlier
            return self._incident(self._send("POST", f"pages/{self._page}/incidents", payload))

        return self._retrying(attempt)

    def update_incident(
        self, public_id: str, *, body: str, status: PublicStatus, marker: PublishMarker
    ) -> PublicIncident:
        payload = {
            "incident": {
                "status": status.value,
                "body": body,
                "metadata": marker.as_metadata(),
                "deliver_notifications": True,
            }
        }
        path = f"pages/{self._page}/incidents/{urllib.parse.quote(public_id, safe='')}"

        def attempt(first: bool) -> PublicIncident:
            if not first:
                current = self._get(public_id)
                if current.marker == marker:
                    return current
            return self._incident(self._send("PATCH", path, payload))

        return self._retrying(attempt)

    def set_component_status(self, component_id: str, status: ComponentStatus) -> None:
        path = f"pages/{self._page}/components/{urllib.parse.quote(component_id, safe='')}"
        payload = {"component": {"status": status.value}}
        self._retrying(lambda _first: self._send("PATCH", path, payload))

    # plumbing

    def _find(self, *, incident_id: str, draft_id: str | None = None) -> PublicIncident | None:
        listed = self._send(
            "GET", f"pages/{self._page}/incidents", query={"limit": str(RECENT_INCIDENTS)}
        )
        if not isinstance(listed, list):
            raise StatusPageError(
                "status page listed incidents in an unknown shape", retryable=False
            )
        for raw in listed:  # the API answers newest first
            found = self._incident(raw)
            marker = found.marker
            if marker and marker.incident_id == incident_id and draft_id in {None, marker.draft_id}:
                return found
        return None

    def _get(self, public_id: str) -> PublicIncident:
        path = f"pages/{self._page}/incidents/{urllib.parse.quote(public_id, safe='')}"
        return self._incident(self._send("GET", path))

    @staticmethod
    def _incident(raw: Any) -> PublicIncident:
        try:
            return PublicIncident(
                id=raw["id"],
                name=raw["name"],
                status=raw["status"],
                shortlink=raw.get("shortlink"),
                marker=PublishMarker.from_metadata(raw.get("metadata")),
                updates=[u.get("body", "") for u in raw.get("incident_updates") or []],
            )
        except (KeyError, TypeError, AttributeError, ValidationError) as exc:
            raise StatusPageError(
                f"status page answered an incident in an unknown shape: {exc}", retryable=False
            ) from exc

    def _retrying(self, attempt: Callable[[bool], T]) -> T:
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            for state in retrying:
                with state:
                    return attempt(state.retry_state.attempt_number == 1)
        except _Transient as exc:
            raise StatusPageError(
                f"status page unavailable after {self._max_attempts} attempts: {exc}",
                status=exc.status,
                retryable=True,
            ) from exc
        raise AssertionError("unreachable: tenacity either returns or re-raises")

    def _wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _Transient) and failure.retry_after is not None:
            return min(failure.retry_after, self._max_retry_after)
        return float(self._backoff(state))

    def _send(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        query: dict[str, str] | None = None,
    ) -> Any:
        url = self._base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        request = urllib.request.Request(  # noqa: S310 - the base URL is an http(s) setting
            url,
            data=json.dumps(payload).encode("utf-8") if payload is not None else None,
            method=method,
            headers={
                "Authorization": f"OAuth {self._key.get_secret_value()}",
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
        )
        self._bucket.acquire()
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            text = f"{method} {path}: HTTP {exc.code}: {_error_text(exc.read())}"
            if exc.code == 429 or exc.code >= 500:
                raise _Transient(
                    text, status=exc.code, retry_after=_retry_after(exc.headers.get("Retry-After"))
                ) from exc
            raise StatusPageError(text, status=exc.code, retryable=False) from exc
        except (URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            raise _Transient(f"{method} {path}: {exc}", status=None, retry_after=None) from exc
        return json.loads(raw) if raw else None
