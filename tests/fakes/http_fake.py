"""A scripted JSON HTTP server on a real socket (port 0), the base of the vendor fakes.

Each fake answers through `route(method, path, headers, body) -> (status, headers, body)`;
faults queued with `fail_next` are served first: an error status (with Retry-After), or a
delay longer than the client's timeout.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.local_server import serve_locally, stop_serving

Answer = tuple[int, dict[str, str], Any]


@dataclass
class Fault:
    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0  # sleep, then answer normally (the client should time out first)
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)  # e.g. x-ratelimit-reset


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeHttp:
    faults: deque[Fault] = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def route(self, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        raise NotImplementedError

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_next(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def start(self) -> FakeHttp:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake.lock:
                    fake.seen.append(Seen(self.command, self.path, headers, body))
                    fault = fake.faults.popleft() if fake.faults else None
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                    fault = None
                if fault is not None:
                    extra = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                    extra.update(fault.headers)
                    answer: Answer = (fault.status, extra, fault.body or {"error": "fault"})
                else:
                    answer = fake.route(self.command, self.path, headers, body)
                status, extra_headers, payload = answer
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in extra_headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            do_GET = _serve  # noqa: N815 - the names http.server dispatches to
            do_POST = _serve  # noqa: N815
            do_PUT = _serve  # noqa: N815

        self._server = serve_locally(Handler)
        return self

    def stop(self) -> None:
        stop_serving(self._server)
