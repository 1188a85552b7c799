"""A fake of Linear's GraphQL endpoint: users by email, issue labels by name, issueCreate,
issues by description text, and one issue's workflow state (for follow-up sync)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http_fake import Answer, FakeHttp

API_KEY = "lin_api_test"


@dataclass
class FakeLinear(FakeHttp):
    users: dict[str, str] = field(default_factory=lambda: {"alice@example.com": "user-alice"})
    labels: dict[str, str] = field(default_factory=lambda: {"postmortem": "label-pm"})
    issues: list[dict[str, Any]] = field(default_factory=list)

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if headers.get("authorization") != API_KEY:
            return 401, {}, {"errors": [{"message": "Authentication required"}]}
        query = str((body or {}).get("query", ""))
        variables = (body or {}).get("variables") or {}
        if "issueCreate" in query:
            issue_input = variables["input"]
            if not issue_input.get("teamId") or not issue_input.get("title"):
                return 400, {}, {"errors": [{"message": "teamId and title are required"}]}
            number = len(self.issues) + 1
            issue = {
                "id": f"issue-{number}",
                "identifier": f"INC-{number}",
                "url": f"https://linear.app/acme/issue/INC-{number}",
                "state": {"type": "unstarted"},
                **issue_input,
            }
            self.issues.append(issue)
            return 200, {}, {"data": {"issueCreate": {"success": True, "issue": issue}}}
        if "users(" in query:
            found = self.users.get(variables.get("email", ""))
            nodes = [{"id": found, "email": variables["email"]}] if found else []
            return 200, {}, {"data": {"users": {"nodes": nodes}}}
        if "issueLabels" in query:
            nodes = [
                {"id": self.labels[n], "name": n}
                for n in variables.get("names", [])
                if n in self.labels
            ]
            return 200, {}, {"data": {"issueLabels": {"nodes": nodes}}}
        if "issues(" in query:
            marker = str(variables.get("marker", ""))
            nodes = [i for i in self.issues if marker and marker in str(i.get("description"))]
            return 200, {}, {"data": {"issues": {"nodes": nodes[:1]}}}
        if "issue(id" in query:
            matches = [i for i in self.issues if variables.get("id") in (i["id"], i["identifier"])]
            return 200, {}, {"data": {"issue": matches[0] if matches else None}}
        return 400, {}, {"errors": [{"message": "unknown query"}]}

    def set_state(self, identifier: str, state_type: str) -> None:
        """Move an issue to a workflow state of `state_type`, as a person in Linear would."""
        with self.lock:
            for issue in self.issues:
                if issue["identifier"] == identifier:
                    issue["state"] = {"type": state_type}
