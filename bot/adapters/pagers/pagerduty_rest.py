"""PagerDutyIncidents: acknowledge or resolve an incident that came from PagerDuty, over
its REST API (PAGERDUTY_API_URL, PAGERDUTY_API_TOKEN, PAGERDUTY_FROM), instead of paging
it back into PagerDuty. `PUT /incidents/{id}` is idempotent and retried by OutboundHttp
(timeouts, 5xx, 429 with Retry-After).

It also answers who is on call: `GET /oncalls` for an escalation policy (or a schedule),
with the users included, paged through with offset/more, as the war room's responders."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from bot.adapters.pagers.vendor_http import pager_http
from bot.ports.pager import PagerError


class PagerDutyIncidents:
    def __init__(
        self,
        api_url: str,
        token: SecretStr,
        from_email: str,
        *,
        timeout: float = 10.0,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        oncall_page_size: int = 100,
    ) -> None:
        self._page_size = oncall_page_size
        self._http = pager_http(
            api_url,
            "PagerDuty REST API",
            headers={
                "Authorization": f"Token token={token.get_secret_value()}",
                "From": from_email,
                "Content-Type": "application/json",
                "Accept": "application/vnd.pagerduty+json;version=2",
            },
            timeout=timeout,
            max_attempts=max_attempts,
            sleep=sleep,
        )

    def acknowledge_incident(self, vendor_incident_id: str) -> None:
        self._set_status(vendor_incident_id, "acknowledged")

    def resolve_incident(self, vendor_incident_id: str) -> None:
        self._set_status(vendor_incident_id, "resolved")

    def _set_status(self, vendor_incident_id: str, status: str) -> None:
        path = f"/incidents/{urllib.parse.quote(vendor_incident_id, safe='')}"
        body = {"incident": {"type": "incident_reference", "status": status}}
        self._http.call_json("PUT", path, body=body)

    def oncall_emails(
        self, escalation_policy_id: str | None = None, *, schedule_id: str | None = None
    ) -> list[str]:
        """The emails of everyone on call now for the policy (or schedule), in PagerDuty's
        order, each once. A GET, so OutboundHttp retries it (429 waits out Retry-After)."""
        if bool(escalation_policy_id) == bool(schedule_id):
            raise ValueError("give exactly one of escalation_policy_id or schedule_id")
        query = (
            {"escalation_policy_ids[]": escalation_policy_id}
            if escalation_policy_id
            else {"schedule_ids[]": str(schedule_id)}
        )
        emails: dict[str, None] = {}
        offset = 0
        while True:
            page = {**query, "include[]": "users", "limit": str(self._page_size)}
            page["offset"] = str(offset)
            answer: Any = self._http.call_json("GET", "/oncalls", query=page)
            oncalls = answer.get("oncalls") if isinstance(answer, dict) else None
            if not isinstance(oncalls, list):
                raise PagerError("PagerDuty REST API: /oncalls answered without an oncalls list")
            for oncall in oncalls:
                user = oncall.get("user") if isinstance(oncall, dict) else None
                email = user.get("email") if isinstance(user, dict) else None
                if isinstance(email, str) and email:
                    emails.setdefault(email.lower(), None)
            # `more` is PagerDuty's classic pagination flag; an empty page ends it too.
            if not answer.get("more") or not oncalls:
                return list(emails)
            offset += len(oncalls)
