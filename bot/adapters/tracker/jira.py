"""JiraTracker: follow-ups as Jira Cloud issues over REST API v3 (OutboundHttp: timeouts,
bounded retries, Retry-After).

- create: `POST /rest/api/3/issue` (project JIRA_PROJECT, type Task, summary, an Atlassian
  Document Format description linking back, labels `marshal` and `marshal-<follow-up id>`);
  a create is retried only when it never reached Jira, and `find` (a JQL search on the
  label) adopts an issue that a lost answer left unrecorded, so no follow-up gets two.
- find and closed: `POST /rest/api/3/search/jql` (JQL, paged by `nextPageToken`); an issue
  whose status category is `done` is closed.
Basic auth with JIRA_EMAIL and JIRA_API_TOKEN, as Atlassian documents for API tokens.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import SecretStr

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.adapters.http.retry_policy import RetryPolicy
from bot.domain.followups import FollowUp
from bot.ports.issue_tracker import TrackedIssue
from bot.ports.tracker import TrackerError

SUMMARY_LIMIT = 250  # Jira's summary field takes at most 255 characters
_SEARCH = "/rest/api/3/search/jql"
_BATCH = 50  # keys per JQL `key in (...)`


def label_of(followup_id: str) -> str:
    return f"marshal-{followup_id}"


def _paragraph(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(parts)}


def _text(text: str, href: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if href:
        node["marks"] = [{"type": "link", "attrs": {"href": href}}]
    return node


class JiraTracker:
    name = "jira"

    def __init__(
        self,
        site_url: str,
        email: str,
        api_token: SecretStr,
        project: str,
        *,
        timeout: float = 10.0,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._site = site_url.rstrip("/")
        self._project = project
        basic = base64.b64encode(f"{email}:{api_token.get_secret_value()}".encode()).decode()
        self._http = OutboundHttp(
            self._site,
            headers={"Authorization": f"Basic {basic}", "Content-Type": "application/json"},
            timeout=timeout,
            policy=RetryPolicy(max_attempts=max_attempts, sleep=sleep),
            translate=self._tracker_error,
        )

    def find(self, followup: FollowUp) -> TrackedIssue | None:
        jql = f'project = "{self._project}" AND labels = "{label_of(followup.id)}"'
        for issue in self._search(jql, fields=["status"]):
            return self._issue(str(issue["key"]))
        return None

    def create(self, followup: FollowUp, *, incident_url: str | None = None) -> TrackedIssue:
        source = [_text(f"Follow-up {followup.id} of incident {followup.incident_id}")]
        if incident_url:
            source = [_text("Follow-up of "), _text(followup.incident_id, incident_url)]
        description = {
            "type": "doc",
            "version": 1,
            "content": [
                _paragraph(_text(followup.text)),
                _paragraph(*source),
                _paragraph(
                    _text(
                        f"{followup.priority.value} · {followup.kind.value} · due "
                        f"{followup.due_at:%Y-%m-%d} · tracked by marshal"
                    )
                ),
            ],
        }
        fields = {
            "project": {"key": self._project},
            "issuetype": {"name": "Task"},
            "summary": " ".join(followup.text.split())[:SUMMARY_LIMIT],
            "description": description,
            "labels": ["marshal", label_of(followup.id)],
            "duedate": f"{followup.due_at:%Y-%m-%d}",
        }
        answer = self._http.call_json(
            "POST", "/rest/api/3/issue", body={"fields": fields}, idempotent=False
        )
        if not isinstance(answer, dict) or not answer.get("key"):
            raise TrackerError(self.name, "the create answer has no issue key")
        return self._issue(str(answer["key"]))

    def closed(self, keys: Iterable[str]) -> set[str]:
        wanted = sorted(set(keys))
        done: set[str] = set()
        for start in range(0, len(wanted), _BATCH):
            batch = ", ".join(f'"{k}"' for k in wanted[start : start + _BATCH])
            jql = f"key in ({batch}) AND statusCategory = Done"
            done.update(str(issue["key"]) for issue in self._search(jql, fields=["status"]))
        return done

    def _issue(self, key: str) -> TrackedIssue:
        return TrackedIssue(key=key, url=f"{self._site}/browse/{key}")

    def _search(self, jql: str, *, fields: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": 100}
        for _ in range(100):  # a bound on paging: 10,000 issues
            answer = self._http.call_json("POST", _SEARCH, body=body, idempotent=True)
            if not isinstance(answer, dict) or not isinstance(answer.get("issues"), list):
                raise TrackerError(self.name, "the search answer has no issues list")
            found.extend(i for i in answer["issues"] if isinstance(i, dict) and i.get("key"))
            token = answer.get("nextPageToken")
            if not token:
                break
            body["nextPageToken"] = token
        return found

    def _tracker_error(self, failure: HttpCallFailed) -> TrackerError:
        return TrackerError(self.name, str(failure), retryable=failure.transient)
