"""Directory from WorkOS Directory Sync: team -> directory group -> its users' emails.

REST over HTTPS with the API key as a bearer token, through OutboundHttp (a timeout on
every request; 429 honouring Retry-After, 5xx and connection errors retried a bounded
number of times). Lists are paginated with `after` cursors (`list_metadata.after`).
Answers are cached per team for a TTL (cachetools), and when WorkOS is down the last
answer is served rather than none; both caches are bounded to `max_teams` teams.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cachetools import LRUCache, TTLCache

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.adapters.http.retry_policy import RetryPolicy
from bot.domain.errors import ConfigurationError
from bot.ports.directory import DirectoryUnavailable

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.workos.com"
_PAGE_SIZE = 100
_MAX_PAGES = 100  # 10,000 members: far beyond a team, a guard against a cursor loop


def _unavailable(failure: HttpCallFailed) -> DirectoryUnavailable:
    what = f"HTTP {failure.status}" if failure.status else failure.reason
    after = f" after {failure.attempts} attempts" if failure.attempts > 1 else ""
    return DirectoryUnavailable(f"WorkOS {failure.path}: {what}{after}")


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
        max_teams: int = 256,
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
        self._directory_id = directory_id
        self._team_groups = {k.lower(): v for k, v in (team_groups or {}).items()}
        self._http = OutboundHttp(
            base_url,
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout_seconds,
            policy=RetryPolicy(
                max_attempts=max_attempts,
                backoff_seconds=0.2,
                max_backoff=2.0,
                max_retry_after=max_retry_after_seconds,
                sleep=sleep,
            ),
            translate=_unavailable,
        )
        # cachetools caches are not thread-safe: every access holds the lock
        self._fresh: TTLCache[str, list[str]] = TTLCache(
            maxsize=max_teams, ttl=ttl_seconds, timer=monotonic
        )
        self._last_known: LRUCache[str, list[str]] = LRUCache(maxsize=max_teams)
        self._lock = threading.Lock()

    def members(self, team: str) -> list[str]:
        key = team.strip().lower()
        with self._lock:
            fresh = self._fresh.get(key)
            stale = self._last_known.get(key)
        if fresh is not None:
            return list(fresh)
        try:
            members = self._fetch_members(key)
        except DirectoryUnavailable:
            if stale is not None:
                log.warning("WorkOS unavailable; serving the cached members of %s", team)
                return list(stale)
            raise
        with self._lock:
            self._fresh[key] = members
            self._last_known[key] = members
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
        body = self._http.call_json("GET", path, query=query)
        if not isinstance(body, dict):
            raise DirectoryUnavailable(f"WorkOS {path}: unexpected answer shape")
        return body
