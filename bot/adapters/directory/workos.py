"""Directory from WorkOS Directory Sync: team -> directory group -> its users' emails.

REST over HTTPS with the API key as a bearer token. Lists are paginated with `after`
cursors (`list_metadata.after`). Every request has a timeout; 429 (honouring Retry-After),
5xx and connection errors are retried a bounded number of times. Answers are cached per
team for a TTL, and when WorkOS is down a stale answer is served rather than none.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from bot.domain.errors import ConfigurationError
from bot.ports.directory import DirectoryUnavailable

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.workos.com"
_PAGE_SIZE = 100
_MAX_PAGES = 100  # 10,000 members: far beyond a team, a guard against a cursor loop


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(reason)


@dataclass(frozen=True)
class _Cached:
    members: list[str]
    fetched_at: float


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def primary_email(user: Mapping[str, Any]) -> str | None:
    email = user.get("email")
    if isinstance(email, str) and email:
        return email
    emails = [e for e in user.get("emails") or [] if isinstance(e, dict) and e.get("value")]
    primary = next((e for e in emails if e.get("primary")), emails[0] if emails else None)
    return str(primary["value"]) if primary else None


class WorkOSDirectory:
    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        directory_id: str | None = None,
        team_groups: Mapping[str, str] | None = None,
        ttl_seconds: float = 300.0,
        timeout_seconds: float = 5.0,
        max_attempts: int = 3,
        max_retry_after_seconds: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Teams map to groups through `team_groups` (team -> directory_group id), else by
        the group's name within `directory_id`."""
        if not base_url.startswith(("https://", "http://")):
            raise ConfigurationError(f"WorkOS base URL must be http(s), not {base_url!r}")
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._directory_id = directory_id
        self._team_groups = {k.lower(): v for k, v in (team_groups or {}).items()}
        self._ttl = ttl_seconds
        self._timeout = timeout_seconds
        self._max_attempts = max_attempts
        self._max_retry_after = max_retry_after_seconds
        self._monotonic = monotonic
        self._sleep = sleep
        self._cache: dict[str, _Cached] = {}
        self._lock = threading.Lock()

    def members(self, team: str) -> list[str]:
        key = team.strip().lower()
        with self._lock:
            cached = self._cache.get(key)
        if cached and self._monotonic() - cached.fetched_at <= self._ttl:
            return list(cached.members)
        try:
            members = self._fetch_members(key)
        except DirectoryUnavailable:
            if cached:
                log.warning("WorkOS unavailable; serving the cached members of %s", team)
                return list(cached.members)
            raise
        with self._lock:
            self._cache[key] = _Cached(members=members, fetched_at=self._monotonic())
        return list(members)

    def _fetch_members(self, team: str) -> list[str]:
        group_id = self._team_groups.get(team) or self._group_by_name(team)
        if group_id is None:
            return []
        emails: list[str] = []
        for user in self._paginate("/directory_users", {"group": group_id}):
            email = primary_email(user)
            if email and user.get("state", "active") == "active":
                emails.append(email)
        return emails

    def _group_by_name(self, team: str) -> str | None:
        if not self._directory_id:
            return None
        for group in self._paginate("/directory_groups", {"directory": self._directory_id}):
            if str(group.get("name", "")).strip().lower() == team:
                return str(group["id"])
        return None

    def _paginate(self, path: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
        after: str | None = None
        for _ in range(_MAX_PAGES):
            query = {**params, "limit": str(_PAGE_SIZE), **({"after": after} if after else {})}
            page = self._get(path, query)
            yield from page.get("data") or []
            after = (page.get("list_metadata") or {}).get("after")
            if not after:
                return
        raise DirectoryUnavailable(f"WorkOS {path}: more than {_MAX_PAGES} pages")

    def _get(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        retrying = Retrying(
            retry=retry_if_exception_type(_Retryable),
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            result: dict[str, Any] = retrying(self._get_once, path, query)
        except _Retryable as exc:
            raise DirectoryUnavailable(
                f"WorkOS {path}: {exc} after {self._max_attempts} attempts"
            ) from exc
        return result

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, self._max_retry_after)
        backoff: float = 0.2 * 2 ** (state.attempt_number - 1)
        return min(backoff, 2.0)

    def _get_once(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        url = f"{self._base_url}{path}?{urllib.parse.urlencode(query)}"
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            url,
            headers={"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the response's socket
            if exc.code == 429 or exc.code >= 500:
                raise _Retryable(
                    f"HTTP {exc.code}", _retry_after(exc.headers.get("Retry-After"))
                ) from exc
            raise DirectoryUnavailable(f"WorkOS {path}: HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise _Retryable(f"connection failed ({exc})") from exc
        except json.JSONDecodeError as exc:
            raise DirectoryUnavailable(f"WorkOS {path}: answer is not JSON") from exc
        if not isinstance(body, dict):
            raise DirectoryUnavailable(f"WorkOS {path}: unexpected answer shape")
        return body
