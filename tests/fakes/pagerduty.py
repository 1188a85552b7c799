"""A fake PagerDuty on a local port: the Events API v2 (`POST /v2/enqueue`) and the REST
API's `PUT /incidents/{id}` and `GET /oncalls`, answering as PagerDuty does.

Events: 202 `{"status": "success", "dedup_key": ...}`; 400 `{"status": "invalid event"}`
for a missing routing key, an unknown action or a trigger without summary, source or a
known severity. Events with one dedup_key fold into one alert (its trigger count and
status are kept). REST: 401 without `Authorization: Token token=...`, 400 without `From`.
`GET /oncalls` pages the on-call users of `escalation_policy_ids[]` / `schedule_ids[]`
with limit/offset/more (users embedded with `include[]=users`); 401 without the token.
Faults (429 with Retry-After, 5xx, a delay past the client's timeout) come from FakeHttp.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http_fake import Answer, FakeHttp

SEVERITIES = {"critical", "error", "warning", "info"}


@dataclass
class FakeAlert:
    routing_key: str
    dedup_key: str
    status: str = "triggered"
    triggers: int = 0
    summary: str = ""
    actions: list[str] = field(default_factory=list)


@dataclass
class FakePagerDuty(FakeHttp):
    token: str = "pd-test-token"
    alerts: dict[tuple[str, str], FakeAlert] = field(default_factory=dict)
    incidents: dict[str, str] = field(default_factory=dict)  # REST incident id -> status
    # escalation policy or schedule id -> the emails on call for it
    oncall: dict[str, list[str]] = field(default_factory=dict)

    @property
    def events_url(self) -> str:
        return f"{self.url}/v2/enqueue"

    def triggers(self, routing_key: str | None = None) -> int:
        with self.lock:
            return sum(
                a.triggers
                for a in self.alerts.values()
                if routing_key is None or a.routing_key == routing_key
            )

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if method == "POST" and path == "/v2/enqueue":
            return self._event(body)
        if method == "PUT" and path.startswith("/incidents/"):
            return self._incident(path.removeprefix("/incidents/"), headers, body)
        if method == "GET" and path.split("?", maxsplit=1)[0] == "/oncalls":
            return self._oncalls(path, headers)
        return 404, {}, {"error": {"message": "Not Found"}}

    def _oncalls(self, path: str, headers: dict[str, str]) -> Answer:
        if headers.get("authorization") != f"Token token={self.token}":
            return 401, {}, {"error": {"message": "Unauthorized", "code": 2006}}
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        ids = params.get("escalation_policy_ids[]", []) + params.get("schedule_ids[]", [])
        users = "users" in params.get("include[]", [])
        limit = int(params.get("limit", ["25"])[0])
        offset = int(params.get("offset", ["0"])[0])
        with self.lock:
            emails = [e for i in ids for e in self.oncall.get(i, [])]
        page = emails[offset : offset + limit]
        oncalls = [
            {
                "escalation_level": 1,
                "user": {"id": f"PU{n}", "type": "user", "email": email}
                if users
                else {"id": f"PU{n}", "type": "user_reference"},
            }
            for n, email in enumerate(page, start=offset)
        ]
        more = offset + limit < len(emails)
        return 200, {}, {"oncalls": oncalls, "limit": limit, "offset": offset, "more": more}

    def _event(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not body.get("routing_key"):
            return _invalid("routing_key is missing")
        action = body.get("event_action")
        if action not in {"trigger", "acknowledge", "resolve"}:
            return _invalid("event_action must be trigger, acknowledge or resolve")
        dedup = body.get("dedup_key")
        if action == "trigger":
            payload = body.get("payload") or {}
            if not payload.get("summary") or not payload.get("source"):
                return _invalid("payload.summary and payload.source are required")
            if payload.get("severity") not in SEVERITIES:
                return _invalid("payload.severity is invalid")
        elif not dedup:
            return _invalid("dedup_key is required for acknowledge and resolve")
        dedup = str(dedup or "generated")
        with self.lock:
            alert = self.alerts.setdefault(
                (body["routing_key"], dedup), FakeAlert(body["routing_key"], dedup)
            )
            alert.actions.append(action)
            if action == "trigger":
                alert.triggers += 1
                alert.summary = body["payload"]["summary"]
                if alert.status == "resolved":
                    alert.status = "triggered"
            else:
                alert.status = "acknowledged" if action == "acknowledge" else "resolved"
        return 202, {}, {"status": "success", "message": "Event processed", "dedup_key": dedup}

    def _incident(self, incident_id: str, headers: dict[str, str], body: Any) -> Answer:
        if headers.get("authorization") != f"Token token={self.token}":
            return 401, {}, {"error": {"message": "Unauthorized", "code": 2006}}
        if not headers.get("from"):
            return 400, {}, {"error": {"message": "You must specify a From header"}}
        status = ((body or {}).get("incident") or {}).get("status")
        if status not in {"acknowledged", "resolved"}:
            return 400, {}, {"error": {"message": "Invalid Input Provided"}}
        with self.lock:
            self.incidents[incident_id] = status
        return 200, {}, {"incident": {"id": incident_id, "status": status}}


def _invalid(why: str) -> Answer:
    return (
        400,
        {},
        {"status": "invalid event", "message": "Event object is invalid", "errors": [why]},
    )
