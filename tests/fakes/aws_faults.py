"""A fault-injecting HTTP proxy in front of moto's server, for DynamoDB and SQS over real sockets.

Requests pass through to moto unless a queued `AwsFault` matches their operation (the
X-Amz-Target header, e.g. "DynamoDB_20120810.TransactWriteItems" or "AmazonSQS.SendMessage"):
then the proxy answers the error JSON an AWS service sends (`__type` and `message`, with the
status given), or drops the connection without answering. An `AwsAnswerEdit` lets moto
answer and changes its JSON on the way back (an SSM invocation moto always reports
Success for, reported Failed).
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.local_server import serve_locally, stop_serving

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


@dataclass
class AwsFault:
    operation: str  # the end of X-Amz-Target: "TransactWriteItems", "SendMessage", ...
    status: int = 500
    code: str = "InternalServerError"
    times: int | None = None  # None: every matching request until cleared
    drop_connection: bool = False  # close the socket without an answer
    extra: dict[str, Any] = field(default_factory=dict)  # more JSON fields (CancellationReasons)


@dataclass
class AwsAnswerEdit:
    operation: str  # the end of X-Amz-Target, e.g. "GetCommandInvocation"
    edit: Callable[[dict[str, Any]], dict[str, Any]]  # moto's 2xx JSON -> what to answer


@dataclass
class FaultyAws:
    upstream: str
    faults: list[AwsFault] = field(default_factory=list)
    edits: list[AwsAnswerEdit] = field(default_factory=list)
    hits: list[str] = field(default_factory=list)  # operations answered with a fault
    lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def inject(self, *faults: AwsFault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def clear(self) -> None:
        with self.lock:
            self.faults.clear()
            self.edits.clear()

    def edit_answers(self, *edits: AwsAnswerEdit) -> None:
        with self.lock:
            self.edits.extend(edits)

    def _edit_for(self, target: str) -> AwsAnswerEdit | None:
        operation = target.rsplit(".", 1)[-1]
        with self.lock:
            return next((e for e in self.edits if e.operation == operation), None)

    def _take(self, target: str) -> AwsFault | None:
        operation = target.rsplit(".", 1)[-1]
        with self.lock:
            for fault in self.faults:
                if fault.operation == operation:
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    self.hits.append(operation)
                    return fault
        return None

    def start(self) -> FaultyAws:
        proxy = self
        upstream = urllib.parse.urlsplit(self.upstream)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # the name http.server dispatches to
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = proxy._take(self.headers.get("X-Amz-Target", ""))
                if fault is not None and fault.drop_connection:
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault is not None:
                    payload = {"__type": fault.code, "message": "injected fault", **fault.extra}
                    self._answer(fault.status, {}, json.dumps(payload).encode())
                    return
                self._forward(body, proxy._edit_for(self.headers.get("X-Amz-Target", "")))

            def _forward(self, body: bytes, edit: AwsAnswerEdit | None) -> None:
                connection = http.client.HTTPConnection(
                    upstream.hostname or "127.0.0.1", upstream.port, timeout=30
                )
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    connection.request("POST", self.path, body=body, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                    if edit is not None and 200 <= answer.status < 300:
                        data = json.dumps(edit.edit(json.loads(data))).encode()
                    passed = {k: v for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP}
                    self._answer(answer.status, passed, data)
                finally:
                    connection.close()

            def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
                self.send_response(status)
                headers.setdefault("Content-Type", "application/x-amz-json-1.0")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = serve_locally(Handler, poll_interval=0.05)
        return self

    def stop(self) -> None:
        stop_serving(self._server)
