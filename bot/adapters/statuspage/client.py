"""StatuspageClient: the StatusPage port over Statuspage.io's REST API v1.

Every request goes through OutboundHttp: paced by one TokenBucket per client (one API
key), a strict timeout, and a bounded number of retries on 429, 5xx, timeouts and
connection errors, honouring Retry-After. Writes are idempotent on the draft marker:
before a retry the client looks for what an ambiguous first attempt (timeout, 5xx after
the server acted) may already have written, and returns that instead of writing twice;
that check is what makes it safe to tell OutboundHttp the writes may be retried.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import SecretStr, ValidationError

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.adapters.http.retry_policy import RetryPolicy
from bot.adapters.statuspage.pacing import TokenBucket
from bot.domain.errors import ConfigurationError
from bot.domain.models import PublicStatus
from bot.ports.status_page import ComponentStatus, PublicIncident, PublishMarker, StatusPageError
from bot.settings import Settings

T = TypeVar("T")

RECENT_INCIDENTS = 100  # how far back a marker search looks


def _status_page_error(failure: HttpCallFailed) -> StatusPageError:
    """The key never appears: it travels in a header, and messages carry only the path."""
    where = f"{failure.method} {failure.path}"
    if failure.transient:
        return StatusPageError(
            f"status page unavailable after {failure.attempts} attempts: {where}: {failure}",
            status=failure.status,
            retryable=True,
        )
    return StatusPageError(f"{where}: {failure}", status=failure.status, retryable=False)


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
        self._page = urllib.parse.quote(page_id, safe="")
        self._http = OutboundHttp(
            base_url,
            headers={"Authorization": f"OAuth {api_key.get_secret_value()}"},
            timeout=timeout,
            policy=RetryPolicy(
                max_attempts=max_attempts,
                backoff_seconds=backoff_seconds,
                max_backoff=max_retry_after,
                max_retry_after=max_retry_after,
                sleep=sleep,
            ),
            pace=TokenBucket(requests_per_second, sleep=sleep).acquire,
            translate=_status_page_error,
        )

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

    def close(self) -> None:
        """Closes pooled connections (a keep-alive server would otherwise hold them open)."""
        self._http.close()

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
        # reads are safe to repeat, and each write checks for its earlier try first
        return self._http.retrying(attempt, idempotent=True)

    def _send(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        query: dict[str, str] | None = None,
    ) -> Any:
        return self._http.once_json(method, path, body=payload, query=query)
