"""A fake Opsgenie Alert API on a local port: `POST /v2/alerts` (alias dedups an open
alert), `POST /v2/alerts/{alias}/acknowledge|close?identifierType=alias`; 422 for a
missing message or responder, 401 without `GenieKey`, 404 for an unknown alias; 202
`{"result": "Request will be processed", "requestId": ...}` as Opsgenie answers."""

from __future__ import annotations

import itertools
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http_fake import Answer, FakeHttp

_ids = itertools.count(1)


@dataclass
class FakeOpsgenie(FakeHttp):
    key: str = "og-test-key"
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)  # alias -> alert

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if headers.get("authorization") != f"GenieKey {self.key}":
            return 401, {}, {"message": "Could not authenticate", "took": 0.0}
        url = urllib.parse.urlsplit(path)
        if method == "POST" and url.path == "/v2/alerts":
            return self._create(body or {})
        parts = url.path.strip("/").split("/")
        if method == "POST" and len(parts) == 4 and parts[:2] == ["v2", "alerts"]:
            if urllib.parse.parse_qs(url.query).get("identifierType") != ["alias"]:
                return 422, {}, {"message": "identifierType must be alias here"}
            return self._act(urllib.parse.unquote(parts[2]), parts[3])
        return 404, {}, {"message": "Not found"}

    def _create(self, body: dict[str, Any]) -> Answer:
        if not body.get("message") or not body.get("responders"):
            return 422, {}, {"message": "Request body is not processable", "errors": {}}
        with self.lock:
            alias = str(body.get("alias") or next(_ids))
            alert = self.alerts.get(alias)
            if alert is None or alert["status"] == "closed":
                self.alerts[alias] = {**body, "status": "open", "count": 1}
            else:
                alert["count"] += 1  # Opsgenie folds it into the open alert
        return 202, {}, {"result": "Request will be processed", "requestId": f"req-{next(_ids)}"}

    def _act(self, alias: str, action: str) -> Answer:
        with self.lock:
            alert = self.alerts.get(alias)
            if alert is None:
                return 404, {}, {"message": "Alert does not exist"}
            alert["status"] = {"acknowledge": "acked", "close": "closed"}.get(action, "open")
        return 202, {}, {"result": "Request will be processed", "requestId": f"req-{next(_ids)}"}
