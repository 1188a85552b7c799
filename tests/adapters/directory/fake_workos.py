"""A small WorkOS Directory Sync server for tests: groups, users by group, cursors, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.fakes.local_server import serve_locally, stop_serving


@dataclass
class WorkOSState:
    api_key: str
    groups: list[dict[str, Any]] = field(default_factory=list)
    users_by_group: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Answers to hand out before the real ones: (status, headers), one per request.
    faults: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def page(self, items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        limit = int(query.get("limit", "10"))
        start = 0
        if "after" in query:
            start = next(i for i, item in enumerate(items) if item["id"] == query["after"]) + 1
        chunk = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "object": "list",
            "data": chunk,
            "list_metadata": {"before": None, "after": chunk[-1]["id"] if more else None},
        }


def _handler(state: WorkOSState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            state.requests.append(self.path)
            if state.faults:
                status, headers = state.faults.pop(0)
                self._send(status, {"message": "fault"}, headers)
                return
            if self.headers.get("Authorization") != f"Bearer {state.api_key}":
                self._send(401, {"message": "Unauthorized"})
                return
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/directory_groups":
                groups = [g for g in state.groups if g["directory_id"] == query.get("directory")]
                self._send(200, state.page(groups, query))
            elif url.path == "/directory_users":
                users = state.users_by_group.get(query.get("group", ""), [])
                self._send(200, state.page(users, query))
            else:
                self._send(404, {"message": "Not Found"})

        def _send(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

    return Handler


@contextmanager
def fake_workos(state: WorkOSState) -> Iterator[str]:
    server = serve_locally(_handler(state))
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stop_serving(server)
