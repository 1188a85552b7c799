"""The sandbox's PagerDuty: a small Events API v2 (`POST /pagerduty/v2/enqueue`) served by
the sandbox Slack, so `marshal up` without real pager settings shows pages end to end.

It answers like PagerDuty (202 `{"status": "success", "dedup_key": ...}`, 400 `invalid
event` for a missing routing key, action or trigger payload) and keeps each accepted event,
answered as JSON by `GET /pagerduty/events` (for the sandbox page and drills). They are kept
apart from the Slack call log: a page's summary is the alert's own text, which PagerDuty
shows as it is, while everything in the Slack log must be escaped Slack text.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ENQUEUE_PATH = "/pagerduty/v2/enqueue"
_ACTIONS = {"trigger", "acknowledge", "resolve"}
_SEVERITIES = {"critical", "error", "warning", "info"}


def _problem(body: Any) -> str | None:
    if not isinstance(body, dict) or not body.get("routing_key"):
        return "routing_key is missing"
    action = body.get("event_action")
    if action not in _ACTIONS:
        return "event_action must be trigger, acknowledge or resolve"
    if action != "trigger":
        return None if body.get("dedup_key") else "dedup_key is required"
    payload = body.get("payload")
    if not isinstance(payload, dict) or not payload.get("summary") or not payload.get("source"):
        return "payload.summary and payload.source are required"
    return None if payload.get("severity") in _SEVERITIES else "payload.severity is invalid"


class SandboxPagerDuty:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[dict[str, Any]] = []

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._events)

    def routes(self) -> list[Route]:
        return [
            Route(ENQUEUE_PATH, self.enqueue, methods=["POST"]),
            Route("/pagerduty/events", self.list_events, methods=["GET"]),
        ]

    async def enqueue(self, request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        problem = _problem(body)
        if problem is not None:
            return JSONResponse(
                {
                    "status": "invalid event",
                    "message": "Event object is invalid",
                    "errors": [problem],
                },
                status_code=400,
            )
        with self._lock:
            self._events.append(body)
        dedup = body.get("dedup_key") or "sandbox"
        return JSONResponse(
            {"status": "success", "message": "Event processed", "dedup_key": dedup},
            status_code=202,
        )

    async def list_events(self, request: Request) -> JSONResponse:
        return JSONResponse({"events": self.events()})


# With the sandbox Slack and no MARSHAL_ESCALATION_FILE, `marshal up` pages by this policy,
# so a drill shows the whole escalation: the sandbox on-call group by DM and the sandbox
# PagerDuty, then the lead.
SANDBOX_ESCALATION: dict[str, Any] = {
    "policies": {
        "sandbox": {
            "levels": [
                {"targets": ["pagerduty:SANDBOX-PRIMARY", "slack:S0ONCALL"], "after": "5m"},
                {"targets": ["pagerduty:SANDBOX-LEAD"], "after": "10m"},
            ]
        }
    },
    "default": "sandbox",
}
