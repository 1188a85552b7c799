"""PagerDutyEvents: pages through PagerDuty's Events API v2 (PAGERDUTY_EVENTS_URL).

`trigger`, `acknowledge` and `resolve` are one POST each with the target's routing key and
`dedup_key` = the marshal incident id: PagerDuty folds repeats of a key into one alert, so
the calls are idempotent and retried on timeouts, 5xx and 429 (Retry-After honoured) by
OutboundHttp. A 2xx answer without `"status": "success"` is a failure too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.adapters.pagers.vendor_http import pager_http
from bot.domain.escalation import PageTarget, TargetKind
from bot.ports.pager import PageRequest, PagerError, PageSent

# marshal's P1..P5 in the Events API's four severities
_SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning", "P4": "info", "P5": "info"}


class PagerDutyEvents:
    kind = TargetKind.PAGERDUTY

    def __init__(
        self,
        events_url: str,
        *,
        source: str = "marshal",
        timeout: float = 10.0,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._source = source
        self._http = pager_http(
            events_url,
            "PagerDuty Events API",
            timeout=timeout,
            max_attempts=max_attempts,
            sleep=sleep,
        )

    def trigger(self, target: PageTarget, page: PageRequest) -> PageSent:
        summary = f"[{page.severity}] {page.title}"
        if page.drill:
            summary = f"[DRILL] {summary}"
        details: dict[str, Any] = {"marshal_incident": page.incident_id, "level": page.level}
        if page.message:
            details["message"] = page.message
        body = {
            "routing_key": target.address,
            "event_action": "trigger",
            "dedup_key": page.incident_id,
            "payload": {
                "summary": summary[:1024],
                "source": page.service or self._source,
                "severity": _SEVERITY.get(page.severity, "error"),
                "custom_details": details,
            },
            "client": "marshal",
        }
        answer = self._send(body)
        return PageSent(str(target), ref=str(answer.get("dedup_key") or page.incident_id))

    def acknowledge(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None:
        self._send(self._follow_up(target, incident_id, "acknowledge"))

    def resolve(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None:
        self._send(self._follow_up(target, incident_id, "resolve"))

    def close(self) -> None:
        self._http.close()

    @staticmethod
    def _follow_up(target: PageTarget, incident_id: str, action: str) -> dict[str, Any]:
        return {"routing_key": target.address, "event_action": action, "dedup_key": incident_id}

    def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        # idempotent: PagerDuty folds every event with one dedup_key into one alert
        answer = self._http.call_json("POST", "", body=body, idempotent=True)
        if not isinstance(answer, dict) or answer.get("status") != "success":
            problem = answer.get("message") if isinstance(answer, dict) else None
            raise PagerError(f"PagerDuty Events API did not accept the event: {problem or answer}")
        return answer
