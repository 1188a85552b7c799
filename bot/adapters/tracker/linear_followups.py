"""LinearFollowUpTracker: follow-ups as Linear issues over Linear's GraphQL API (OutboundHttp:
timeouts, bounded retries, Retry-After), behind the IssueTracker port the Jira sync uses.

- create: `issueCreate` (teamId, title, a markdown description linking back and ending in the
  marker `marshal-followup:<id>`, dueDate); retried only when it never reached Linear.
- find: `issues` filtered on a description containing that marker, so a create whose answer
  was lost is adopted on the next run, not repeated.
- closed: `issue(id:)` per key (Linear takes the identifier, e.g. INC-12); a state of type
  `completed` or `canceled` counts as closed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import SecretStr

from bot.adapters.tracker.linear import LinearTracker
from bot.domain.followups import FollowUp
from bot.ports.issue_tracker import TrackedIssue
from bot.ports.tracker import TrackerError

TITLE_LIMIT = 250
CLOSED_STATES = frozenset({"completed", "canceled"})
FOLLOWUP_CREATE = """mutation FollowUpCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}"""
FOLLOWUP_FIND = """query FollowUpFind($marker: String!) {
  issues(filter: { description: { contains: $marker } }, first: 1) {
    nodes { id identifier url }
  }
}"""
FOLLOWUP_STATE = """query FollowUpState($id: String!) {
  issue(id: $id) { identifier state { type } }
}"""


def marker_of(followup_id: str) -> str:
    return f"marshal-followup:{followup_id}"


class LinearFollowUpTracker:
    name = "linear"

    def __init__(
        self,
        api_url: str,
        api_key: SecretStr,
        team_id: str,
        *,
        timeout: float = 10.0,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._team_id = team_id
        # the postmortem adapter owns the GraphQL plumbing (auth, errors, retries)
        self._linear = LinearTracker(
            api_url, api_key, team_id, timeout=timeout, max_attempts=max_attempts, sleep=sleep
        )

    def find(self, followup: FollowUp) -> TrackedIssue | None:
        data = self._linear.graphql(FOLLOWUP_FIND, {"marker": marker_of(followup.id)})
        nodes = (data.get("issues") or {}).get("nodes") or []
        return self._issue(nodes[0]) if nodes else None

    def create(self, followup: FollowUp, *, incident_url: str | None = None) -> TrackedIssue:
        source = (
            f"[{followup.incident_id}]({incident_url})" if incident_url else followup.incident_id
        )
        description = "\n\n".join(
            [
                followup.text,
                f"Follow-up of incident {source}.",
                f"{followup.priority.value} · {followup.kind.value} · due "
                f"{followup.due_at:%Y-%m-%d} · tracked by marshal",
                f"`{marker_of(followup.id)}`",
            ]
        )
        issue_input = {
            "teamId": self._team_id,
            "title": " ".join(followup.text.split())[:TITLE_LIMIT],
            "description": description,
            "dueDate": f"{followup.due_at:%Y-%m-%d}",
        }
        data = self._linear.graphql(FOLLOWUP_CREATE, {"input": issue_input}, mutation=True)
        created = data.get("issueCreate") or {}
        if not created.get("success") or not isinstance(created.get("issue"), dict):
            raise TrackerError(self.name, "issueCreate did not create an issue")
        return self._issue(created["issue"])

    def closed(self, keys: Iterable[str]) -> set[str]:
        done: set[str] = set()
        for key in sorted(set(keys)):
            issue = self._linear.graphql(FOLLOWUP_STATE, {"id": key}).get("issue") or {}
            if str((issue.get("state") or {}).get("type")) in CLOSED_STATES:
                done.add(key)
        return done

    def _issue(self, node: dict[str, Any]) -> TrackedIssue:
        key = node.get("identifier") or node.get("id")
        if not key or not node.get("url"):
            raise TrackerError(self.name, "the issue has no identifier or url")
        return TrackedIssue(key=str(key), url=str(node["url"]))
