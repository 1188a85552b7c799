"""GitHubChangeHistory: recent commits and deployments of a repository (GitHub REST v3).

GET /repos/{repo}/commits?since&until and GET /repos/{repo}/deployments, one page each
(bounded), with a timeout and bounded retries; GitHub's rate limits (403/429 with
Retry-After or x-ratelimit-reset) are waited out when short. A token is optional for
public repositories.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import SecretStr

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.adapters.http.retry_policy import RetryPolicy
from bot.ports.changes import ChangeHistoryUnavailable, CodeChange

PER_PAGE = "30"


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _unavailable(failure: HttpCallFailed) -> ChangeHistoryUnavailable:
    return ChangeHistoryUnavailable(f"GitHub {failure.path}: {failure}")


class GitHubChangeHistory:
    def __init__(
        self,
        api_url: str,
        token: SecretStr | None,
        *,
        timeout: float = 10.0,
        max_attempts: int = 3,
        max_retry_after: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        """A rate limit lifting within `max_retry_after` seconds is waited out (`sleep`);
        a longer one fails the call at once, and the postmortem goes without changes."""
        headers = {"X-GitHub-Api-Version": "2022-11-28", "Accept": "application/vnd.github+json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        self._http = OutboundHttp(
            api_url,
            headers=headers,
            timeout=timeout,
            policy=RetryPolicy(
                max_attempts=max_attempts,
                max_retry_after=max_retry_after,
                sleep=sleep,
                wall_clock=wall_clock,
            ),
            translate=_unavailable,
        )

    def recent_changes(self, repo: str, *, since: datetime, until: datetime) -> list[CodeChange]:
        changes = self._commits(repo, since, until) + self._deploys(repo, since, until)
        return sorted(changes, key=lambda c: c.at)

    def _get(self, path: str, query: dict[str, str]) -> list[dict[str, Any]]:
        answer = self._http.call_json("GET", path, query=query)
        if not isinstance(answer, list):
            raise ChangeHistoryUnavailable(f"GitHub {path}: unexpected answer")
        return [item for item in answer if isinstance(item, dict)]

    def _commits(self, repo: str, since: datetime, until: datetime) -> list[CodeChange]:
        found = []
        query = {"since": _iso(since), "until": _iso(until), "per_page": PER_PAGE}
        for item in self._get(f"/repos/{repo}/commits", query):
            commit = item.get("commit") or {}
            at = _parse_time((commit.get("committer") or commit.get("author") or {}).get("date"))
            if at is None:
                continue
            found.append(
                CodeChange(
                    kind="commit",
                    repo=repo,
                    ref=str(item.get("sha", ""))[:7],
                    at=at,
                    summary=str(commit.get("message", "")).split("\n", 1)[0][:200],
                    url=item.get("html_url"),
                )
            )
        return found

    def _deploys(self, repo: str, since: datetime, until: datetime) -> list[CodeChange]:
        found = []
        for item in self._get(f"/repos/{repo}/deployments", {"per_page": PER_PAGE}):
            at = _parse_time(item.get("created_at"))
            if at is None or not since <= at <= until:
                continue
            found.append(
                CodeChange(
                    kind="deploy",
                    repo=repo,
                    ref=str(item.get("id", "")),
                    at=at,
                    summary=f"deploy of {str(item.get('ref', '?'))[:40]} to "
                    f"{item.get('environment', '?')}",
                    url=None,
                )
            )
        return found
