"""A local fake of Statuspage.io's REST API v1, on a real socket (port 0).

It checks `Authorization: OAuth <key>`, answers 404 for unknown pages, incidents and
routes, 422 for invalid bodies, and keeps every incident it created so tests can assert
exactly one exists. Faults are scripted per request: an error status (optionally with
Retry-After), a slow answer (the client times out), or an error AFTER the write was
applied (the status page acted, the caller saw a failure).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

INCIDENT_STATUSES = {"investigating", "identified", "monitoring", "resolved"}
COMPONENT_STATUSES = {
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
}


@dataclass
class Fault:
    status: int | None = None  # answer this status instead of the real one
    retry_after: int | None = None
    delay: float = 0.0  # sleep before answering (the write, if any, is applied first)
    after_write: bool = False  # apply the request, then answer `status`
    method: str | None = None  # only requests with this method consume the fault


@dataclass
class Recorded:
    method: str
    path: str
    at: float
    body: Any = None


@dataclass
class FakeStatuspageState:
    api_key: str
    page_id: str
    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeStatuspage:
    def __init__(self, *, api_key: str = "sp-test-key", page_id: str = "page1") -> None:
        self.state = FakeStatuspageState(api_key=api_key, page_id=page_id)
        self.state.components["comp1"] = {"id": "comp1", "name": "API", "status": "operational"}
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1/"

    @property
    def api_key(self) -> str:
        return self.state.api_key

    @property
    def page_id(self) -> str:
        return self.state.page_id

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *faults: Fault) -> None:
        with self.state.lock:
            self.state.faults.extend(faults)

    def incidents(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [json.loads(json.dumps(i)) for i in self.state.incidents.values()]

    def requests(self, method: str | None = None) -> list[Recorded]:
        with self.state.lock:
            return [r for r in self.state.requests if method in {None, r.method}]


@contextmanager
def running_statuspage(**kwargs: Any) -> Iterator[FakeStatuspage]:
    fake = FakeStatuspage(**kwargs)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class _Handler(BaseHTTPRequestHandler):
    state: FakeStatuspageState

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep pytest output clean

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._answer(400, {"error": "body is not JSON"})
            return
        with self.state.lock:
            self.state.requests.append(Recorded(method, split.path, time.monotonic(), body))
            fault = self._take_fault(method)
        if self.headers.get("Authorization") != f"OAuth {self.state.api_key}":
            self._answer(401, {"error": "Could not authenticate"})
            return
        if fault and fault.status and not fault.after_write:
            self._answer(fault.status, {"error": "scripted failure"}, fault.retry_after)
            return
        with self.state.lock:
            status, payload = self._route(method, split.path, parse_qs(split.query), body)
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status:
            self._answer(fault.status, {"error": "scripted failure"}, fault.retry_after)
            return
        self._answer(status, payload)

    def _take_fault(self, method: str) -> Fault | None:
        faults = self.state.faults
        if faults and faults[0].method in {None, method}:
            return faults.popleft()
        return None

    def _answer(self, status: int, payload: Any, retry_after: int | None = None) -> None:
        data = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client timed out and hung up: that is the point of a slow fault

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts[:2] != ["v1", "pages"] or len(parts) < 4:
            return 404, {"error": "not found"}
        if parts[2] != self.state.page_id:
            return 404, {"error": "page not found"}
        collection, rest = parts[3], parts[4:]
        if collection == "incidents" and not rest and method == "GET":
            limit = int(query.get("limit", ["100"])[0])
            newest_first = list(reversed(self.state.incidents.values()))
            return 200, newest_first[:limit]
        if collection == "incidents" and not rest and method == "POST":
            return self._create(body)
        if collection == "incidents" and len(rest) == 1 and method in {"GET", "PATCH"}:
            incident = self.state.incidents.get(rest[0])
            if incident is None:
                return 404, {"error": "incident not found"}
            return (200, incident) if method == "GET" else self._update(incident, body)
        if collection == "components" and len(rest) == 1 and method == "PATCH":
            component = self.state.components.get(rest[0])
            if component is None:
                return 404, {"error": "component not found"}
            status = ((body or {}).get("component") or {}).get("status")
            if status not in COMPONENT_STATUSES:
                return 422, {"error": f"status {status!r} is not valid"}
            component["status"] = status
            return 200, component
        return 404, {"error": "not found"}

    def _create(self, body: Any) -> tuple[int, Any]:
        fields = (body or {}).get("incident") or {}
        if not fields.get("name"):
            return 422, {"error": "name can't be blank"}
        status = fields.get("status", "investigating")
        if status not in INCIDENT_STATUSES:
            return 422, {"error": f"status {status!r} is not valid"}
        incident_id = secrets.token_hex(6)
        incident = {
            "id": incident_id,
            "page_id": self.state.page_id,
            "name": fields["name"],
            "status": status,
            "shortlink": f"https://stspg.io/{incident_id}",
            "metadata": fields.get("metadata") or {},
            "created_at": _now(),
            "incident_updates": [{"status": status, "body": fields.get("body", "")}],
        }
        self.state.incidents[incident_id] = incident
        return 201, incident

    def _update(self, incident: dict[str, Any], body: Any) -> tuple[int, Any]:
        fields = (body or {}).get("incident") or {}
        status = fields.get("status", incident["status"])
        if status not in INCIDENT_STATUSES:
            return 422, {"error": f"status {status!r} is not valid"}
        incident["status"] = status
        if "metadata" in fields:
            incident["metadata"] = {**incident["metadata"], **fields["metadata"]}
        if "body" in fields:
            incident["incident_updates"].insert(0, {"status": status, "body": fields["body"]})
        return 200, incident
