"""PagerDutyIncidents: acknowledge or resolve an incident that came from PagerDuty, over
its REST API (PAGERDUTY_API_URL, PAGERDUTY_API_TOKEN, PAGERDUTY_FROM), instead of paging
it back into PagerDuty. `PUT /incidents/{id}` is idempotent and retried by OutboundHttp
(timeouts, 5xx, 429 with Retry-After)."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable

from pydantic import SecretStr

from bot.adapters.http.client import HttpCallFailed, OutboundHttp
from bot.adapters.http.retry_policy import RetryPolicy
from bot.ports.pager import PagerError


def _pager_error(failure: HttpCallFailed) -> Exception:
    return PagerError(f"PagerDuty REST API: {failure}")


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
    ) -> None:
        self._http = OutboundHttp(
            api_url,
            headers={
                "Authorization": f"Token token={token.get_secret_value()}",
                "From": from_email,
                "Content-Type": "application/json",
            },
            timeout=timeout,
            policy=RetryPolicy(max_attempts=max_attempts, sleep=sleep),
            translate=_pager_error,
        )

    def acknowledge_incident(self, vendor_incident_id: str) -> None:
        self._set_status(vendor_incident_id, "acknowledged")

    def resolve_incident(self, vendor_incident_id: str) -> None:
        self._set_status(vendor_incident_id, "resolved")

    def _set_status(self, vendor_incident_id: str, status: str) -> None:
        path = f"/incidents/{urllib.parse.quote(vendor_incident_id, safe='')}"
        body = {"incident": {"type": "incident_reference", "status": status}}
        self._http.call_json("PUT", path, body=body)
