"""GrafanaOnCallPager: `grafana-oncall:<user id>` or `grafana-oncall:schedule:<id>` targets
through the Grafana OnCall / IRM API (GRAFANA_ONCALL_API_URL, GRAFANA_ONCALL_API_TOKEN in
the `Authorization` header as it is).

A page is a direct escalation, `POST /api/v1/escalation/` with the users to page (a
schedule's are read from `GET /api/v1/schedules/{id}/`, its `on_call_now`); the answer is
the alert group, whose id is kept (PageSent.ref) to acknowledge and resolve it later with
`POST /api/v1/alert_groups/{id}/acknowledge|resolve`. The escalation is a POST OnCall does
not deduplicate, so it is retried only when it never reached OnCall; the reads and the
acknowledge / resolve calls are safe to repeat and retried on timeouts, 5xx and 429.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable

from pydantic import SecretStr

from bot.adapters.pagers.vendor_http import pager_http
from bot.domain.escalation import PageTarget, TargetKind
from bot.ports.pager import PageRequest, PagerError, PageSent

SCHEDULE = "schedule:"


class GrafanaOnCallPager:
    kind = TargetKind.GRAFANA_ONCALL

    def __init__(
        self,
        api_url: str,
        token: SecretStr,
        *,
        timeout: float = 10.0,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = pager_http(
            api_url,
            "Grafana OnCall API",
            headers={"Authorization": token.get_secret_value()},
            timeout=timeout,
            max_attempts=max_attempts,
            sleep=sleep,
        )

    def trigger(self, target: PageTarget, page: PageRequest) -> PageSent:
        users = self._users(target)
        drill = "[DRILL] " if page.drill else ""
        body = {
            "title": f"{drill}[{page.severity}] {page.title}"[:500],
            "message": page.message or f"marshal incident {page.incident_id}",
            "source_url": None,
            "users": [{"id": u, "important": page.severity in {"P1", "P2"}} for u in users],
        }
        answer = self._http.call_json("POST", "/api/v1/escalation/", body=body, idempotent=False)
        group = answer.get("id") if isinstance(answer, dict) else None
        if not group:
            raise PagerError("Grafana OnCall answered the escalation without an alert group id")
        return PageSent(str(target), ref=str(group))

    def acknowledge(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None:
        self._act(ref, "acknowledge")

    def resolve(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None:
        self._act(ref, "resolve")

    def _users(self, target: PageTarget) -> list[str]:
        if not target.address.startswith(SCHEDULE):
            return [target.address]
        schedule = urllib.parse.quote(target.address.removeprefix(SCHEDULE), safe="")
        answer = self._http.call_json("GET", f"/api/v1/schedules/{schedule}/")
        users = answer.get("on_call_now") if isinstance(answer, dict) else None
        if not users:
            raise PagerError(f"Grafana OnCall schedule {schedule} has nobody on call now")
        return [str(u) for u in users]

    def _act(self, alert_group: str | None, action: str) -> None:
        if not alert_group:
            raise PagerError("no Grafana OnCall alert group was recorded for this page")
        group = urllib.parse.quote(alert_group, safe="")
        self._http.call_json(
            "POST", f"/api/v1/alert_groups/{group}/{action}/", body={}, idempotent=True
        )
