"""LinearTracker: the postmortem as a Linear issue, over Linear's GraphQL API.

`issueCreate` with title, description (the markdown), teamId, labelIds (labels looked up
by name; unknown names are skipped) and assigneeId (the IC, when Linear knows their email).
Personal API keys go in the Authorization header as they are. Every request has a timeout
and bounded retries (OutboundHttp); the lookups are queries and safe to repeat, while
`issueCreate` is retried only when it never reached Linear, so a timeout or a 5xx after
Linear acted cannot file the postmortem twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.adapters.http.retry_policy import RetryPolicy
from bot.ports.tracker import FiledPostmortem, PostmortemFiling, TrackerError

log = logging.getLogger(__name__)

USER_BY_EMAIL = """query UserByEmail($email: String!) {
  users(filter: { email: { eq: $email } }) { nodes { id email } }
}"""
LABELS_BY_NAME = """query LabelsByName($names: [String!]!) {
  issueLabels(filter: { name: { in: $names } }) { nodes { id name } }
}"""
ISSUE_CREATE = """mutation PostmortemCreate($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}"""


class LinearTracker:
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
        self._http = OutboundHttp(
            api_url,
            headers={"Authorization": api_key.get_secret_value()},
            timeout=timeout,
            policy=RetryPolicy(max_attempts=max_attempts, sleep=sleep),
            translate=self._tracker_error,
        )

    def file(self, filing: PostmortemFiling) -> FiledPostmortem:
        issue_input: dict[str, Any] = {
            "title": filing.title,
            "description": filing.markdown,
            "teamId": self._team_id,
        }
        labels = self._label_ids(filing.labels)
        if labels:
            issue_input["labelIds"] = labels
        assignee = self._user_id(filing.assignee_email) if filing.assignee_email else None
        if assignee:
            issue_input["assigneeId"] = assignee
        data = self.graphql(ISSUE_CREATE, {"input": issue_input}, mutation=True)
        created = data.get("issueCreate") or {}
        issue = created.get("issue") or {}
        if not created.get("success") or not issue.get("url"):
            raise TrackerError(self.name, "issueCreate did not create an issue")
        return FiledPostmortem(
            tracker=self.name,
            url=str(issue["url"]),
            ref=str(issue.get("identifier") or issue["id"]),
        )

    def _user_id(self, email: str) -> str | None:
        try:
            nodes = self.graphql(USER_BY_EMAIL, {"email": email})["users"]["nodes"]
        except (TrackerError, KeyError, TypeError) as exc:
            # An unassigned postmortem beats none; the IC is named in the text anyway.
            log.warning("could not map the IC to a Linear user: %s", exc)
            return None
        return str(nodes[0]["id"]) if nodes else None

    def _label_ids(self, names: list[str]) -> list[str]:
        if not names:
            return []
        try:
            nodes = self.graphql(LABELS_BY_NAME, {"names": names})["issueLabels"]["nodes"]
        except (TrackerError, KeyError, TypeError) as exc:
            log.warning("could not look up Linear labels: %s", exc)
            return []
        return [str(n["id"]) for n in nodes]

    def _tracker_error(self, failure: HttpCallFailed) -> TrackerError:
        return TrackerError(self.name, str(failure), retryable=failure.transient)

    def graphql(
        self, query: str, variables: dict[str, Any], *, mutation: bool = False
    ) -> dict[str, Any]:
        body = {"query": query, "variables": variables}
        answer = self._http.call_json("POST", "", body=body, idempotent=not mutation)
        if not isinstance(answer, dict):
            raise TrackerError(self.name, "the answer is not a GraphQL response")
        if answer.get("errors"):
            first = answer["errors"][0]
            message = first.get("message") if isinstance(first, dict) else str(first)
            raise TrackerError(self.name, f"GraphQL error: {str(message)[:200]}")
        data = answer.get("data")
        if not isinstance(data, dict):
            raise TrackerError(self.name, "the answer has no data")
        return data
