"""A fake of GitHub's REST API for change history: commits (`since`/`until` honoured, newest
first, `per_page` bounded) and deployments (newest first), per repository.

A token, when the fake has one, must come as `Authorization: Bearer` or `token`; a wrong
one is 401 "Bad credentials" as on GitHub; no token at all is an anonymous call, allowed
for public repositories. Unknown repositories are 404. Rate limits come as GitHub sends
them: `primary_rate_limit` (403, x-ratelimit-remaining 0 and the epoch x-ratelimit-reset)
and `secondary_rate_limit` (403 or 429 with Retry-After); 5xx and slow answers through
`fail_next` (tests.fakes.http_fake).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.http_fake import Answer, FakeHttp, Fault

TOKEN = "ghp_fake_token_for_tests_000000000000"
RATE_LIMIT_MESSAGE = "API rate limit exceeded for installation."
SECONDARY_MESSAGE = "You have exceeded a secondary rate limit. Please wait a few minutes."


def github_time(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class Repository:
    commits: list[dict[str, Any]] = field(default_factory=list)
    deployments: list[dict[str, Any]] = field(default_factory=list)

    def commit(self, sha: str, at: datetime, message: str) -> None:
        self.commits.append(
            {
                "sha": sha,
                "html_url": f"https://github.com/acme/commit/{sha}",
                "commit": {
                    "message": message,
                    "author": {"name": "dev", "date": github_time(at)},
                    "committer": {"name": "dev", "date": github_time(at)},
                },
            }
        )

    def deploy(self, deployment_id: int, at: datetime, ref: str, environment: str) -> None:
        self.deployments.append(
            {
                "id": deployment_id,
                "ref": ref,
                "environment": environment,
                "created_at": github_time(at),
            }
        )


@dataclass
class FakeGitHub(FakeHttp):
    token: str | None = TOKEN
    repos: dict[str, Repository] = field(default_factory=dict)

    def repo(self, full_name: str) -> Repository:
        return self.repos.setdefault(full_name, Repository())

    def primary_rate_limit(self, *, resets_in: float) -> None:
        """The next call is refused until `resets_in` seconds from now."""
        reset = str(int(time.time() + resets_in))
        self.fail_next(
            Fault(
                status=403,
                body={"message": RATE_LIMIT_MESSAGE},
                headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
            )
        )

    def secondary_rate_limit(self, *, retry_after: int, status: int = 403) -> None:
        self.fail_next(
            Fault(status=status, retry_after=str(retry_after), body={"message": SECONDARY_MESSAGE})
        )

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if not self._authorized(headers):
            return 401, {}, {"message": "Bad credentials", "status": "401"}
        url = urlsplit(path)
        parts = url.path.strip("/").split("/")
        if method != "GET" or len(parts) != 4 or parts[0] != "repos":
            return 404, {}, {"message": "Not Found", "status": "404"}
        repository = self.repos.get(f"{parts[1]}/{parts[2]}")
        if repository is None:
            return 404, {}, {"message": "Not Found", "status": "404"}
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        per_page = min(int(query.get("per_page", "30")), 100)
        limits = {"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "4999"}
        if parts[3] == "commits":
            return 200, limits, self._commits(repository, query)[:per_page]
        if parts[3] == "deployments":
            newest = sorted(repository.deployments, key=lambda d: d["created_at"], reverse=True)
            return 200, limits, newest[:per_page]
        return 404, {}, {"message": "Not Found", "status": "404"}

    def _authorized(self, headers: dict[str, str]) -> bool:
        given = headers.get("authorization")
        if given is None:
            return True  # anonymous: public repositories only, a lower rate limit
        scheme, _, credential = given.partition(" ")
        return scheme.lower() in {"bearer", "token"} and credential == self.token

    @staticmethod
    def _commits(repository: Repository, query: dict[str, str]) -> list[dict[str, Any]]:
        since = _parse(query["since"]) if "since" in query else None
        until = _parse(query["until"]) if "until" in query else None
        found = []
        for item in repository.commits:
            at = _parse(item["commit"]["committer"]["date"])
            if (since is None or at >= since) and (until is None or at <= until):
                found.append(item)
        return sorted(found, key=lambda c: c["commit"]["committer"]["date"], reverse=True)
