"""OpsgeniePager: `opsgenie:<team or user>` targets through the Opsgenie Alert API
(OPSGENIE_API_URL, OPSGENIE_API_KEY as `Authorization: GenieKey ...`).

`POST /v2/alerts` creates the alert with `alias` = the marshal incident id and the target
as its responder (an address with `@` is a user's username, anything else a team name);
acknowledge and close address the alert by that alias. Opsgenie folds a create with the
alias of an open alert into it, so the calls are safe to repeat and retried on timeouts,
5xx and 429 (Retry-After honoured). Requests are processed asynchronously: 202 answers.
"""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from bot.adapters.pagers.vendor_http import pager_http
from bot.domain.escalation import PageTarget, TargetKind
from bot.ports.pager import PageRequest, PageSent

MAX_MESSAGE = 130  # Opsgenie cuts an alert's message at 130 characters


class OpsgeniePager:
    kind = TargetKind.OPSGENIE

    def __init__(
        self,
        api_url: str,
        api_key: SecretStr,
        *,
        timeout: float = 10.0,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._http = pager_http(
            api_url,
            "Opsgenie Alert API",
            headers={"Authorization": f"GenieKey {api_key.get_secret_value()}"},
            timeout=timeout,
            max_attempts=max_attempts,
            sleep=sleep,
        )

    def trigger(self, target: PageTarget, page: PageRequest) -> PageSent:
        responder: dict[str, str] = (
            {"type": "user", "username": target.address}
            if "@" in target.address
            else {"type": "team", "name": target.address}
        )
        drill = "[DRILL] " if page.drill else ""
        details: dict[str, Any] = {"marshal_incident": page.incident_id, "level": str(page.level)}
        body = {
            "message": f"{drill}[{page.severity}] {page.title}"[:MAX_MESSAGE],
            "alias": page.incident_id,
            "description": page.message or page.title,
            "responders": [responder],
            "priority": page.severity if page.severity in {"P1", "P2", "P3", "P4", "P5"} else "P3",
            "source": "marshal",
            "details": details,
        }
        answer = self._http.call_json("POST", "/v2/alerts", body=body, idempotent=True)
        request_id = answer.get("requestId") if isinstance(answer, dict) else None
        return PageSent(str(target), ref=str(request_id) if request_id else None)

    def acknowledge(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None:
        self._act(incident_id, "acknowledge", by)

    def resolve(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None:
        self._act(incident_id, "close", by)

    def _act(self, incident_id: str, action: str, by: str) -> None:
        path = f"/v2/alerts/{urllib.parse.quote(incident_id, safe='')}/{action}"
        body = {"source": "marshal", "note": f"{action} in marshal by {by}"}
        self._http.call_json(
            "POST", path, body=body, query={"identifierType": "alias"}, idempotent=True
        )
