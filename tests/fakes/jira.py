"""A fake of Jira Cloud's REST API v3: create an issue, search with JQL (the two shapes
marshal sends: by label, and `key in (...) AND statusCategory = Done`), and close one."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http_fake import Answer, FakeHttp

EMAIL, TOKEN, PROJECT = "bot@example.com", "jira-token", "OPS"
_LABEL = re.compile(r'labels = "([^"]+)"')
_KEYS = re.compile(r"key in \(([^)]*)\)")


@dataclass
class FakeJira(FakeHttp):
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)

    def close(self, key: str) -> None:
        self.issues[key]["status"] = "done"

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        expected = "Basic " + base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()
        if headers.get("authorization") != expected:
            return 401, {}, {"errorMessages": ["Client must be authenticated"]}
        if method == "POST" and path == "/rest/api/3/issue":
            fields = body["fields"]
            if fields["project"]["key"] != PROJECT or not fields.get("summary"):
                return 400, {}, {"errors": {"project": "valid project is required"}}
            key = f"{PROJECT}-{len(self.issues) + 1}"
            self.issues[key] = {"fields": fields, "status": "new"}
            return 201, {}, {"id": str(len(self.issues)), "key": key, "self": f"/issue/{key}"}
        if method == "POST" and path == "/rest/api/3/search/jql":
            return 200, {}, {"issues": self._search(str(body["jql"]))}
        return 404, {}, {"errorMessages": ["not found"]}

    def _search(self, jql: str) -> list[dict[str, Any]]:
        label, keys = _LABEL.search(jql), _KEYS.search(jql)
        hits = []
        for key, issue in self.issues.items():
            if label and label.group(1) not in issue["fields"]["labels"]:
                continue
            if keys and f'"{key}"' not in keys.group(1):
                continue
            if "statusCategory = Done" in jql and issue["status"] != "done":
                continue
            category = {"key": issue["status"]}
            hits.append({"key": key, "fields": {"status": {"statusCategory": category}}})
        return hits
