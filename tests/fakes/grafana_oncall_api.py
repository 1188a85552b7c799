"""A fake Grafana OnCall API on a local port: `POST /api/v1/escalation/` (a new alert
group per call, as OnCall does), `GET /api/v1/schedules/{id}/` (`on_call_now`),
`POST /api/v1/alert_groups/{id}/acknowledge|resolve/`; 401 without the token, 400 for an
escalation without users, 404 for unknown ids."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http_fake import Answer, FakeHttp

_ids = itertools.count(1)


@dataclass
class FakeGrafanaOnCall(FakeHttp):
    token: str = "goc-test-token"
    schedules: dict[str, list[str]] = field(default_factory=dict)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if headers.get("authorization") != self.token:
            return 401, {}, {"detail": "Invalid token."}
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["api", "v1", "escalation"]:
            users = (body or {}).get("users") or []
            if not users:
                return 400, {}, {"detail": "users or team is required"}
            with self.lock:
                group = f"I{next(_ids):05d}"
                self.groups[group] = {"state": "firing", "users": users, **(body or {})}
            return 200, {}, {"id": group, "state": "firing"}
        if method == "GET" and parts[:3] == ["api", "v1", "schedules"] and len(parts) == 4:
            if parts[3] not in self.schedules:
                return 404, {}, {"detail": "Not found."}
            return 200, {}, {"id": parts[3], "on_call_now": self.schedules[parts[3]]}
        if method == "POST" and parts[:3] == ["api", "v1", "alert_groups"] and len(parts) == 5:
            with self.lock:
                found = self.groups.get(parts[3])
                if found is None:
                    return 404, {}, {"detail": "Not found."}
                found["state"] = {"acknowledge": "acknowledged", "resolve": "resolved"}[parts[4]]
            return 200, {}, {"id": parts[3], "state": found["state"]}
        return 404, {}, {"detail": "Not found."}
