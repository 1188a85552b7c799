"""moto's server with a request log: every AWS call it served, counted by caller (the access key
id the request was signed with), service and operation, and how long moto spent on the
DynamoDB ones. `GET /_request_log` answers the log as JSON.

For benchmarks/scale_out.py, where several marshal processes share one moto: each signs with
its own access key id (moto takes any), so the log tells whose calls moto served, and the
DynamoDB busy time against the wall clock says whether moto itself is the bound.

The server is tests/fakes/moto.py's (DynamoDB requests one at a time), composed here with the
log inside its lock; `per_item` installs that module's per-item transactions where it has them.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    create_backend_app,
)

from tests.fakes import moto as serialised

LOG_PATH = "/_request_log"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
Environ = dict[str, Any]


def describe(environ: Environ) -> tuple[str, str, str]:
    """(caller, service, operation) of one request; JSON-protocol calls name theirs in
    X-Amz-Target (DynamoDB_20120810.GetItem, AmazonSQS.SendMessage)."""
    found = _CREDENTIAL.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    caller = found.group(1) if found else "unsigned"
    target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
    if "." in target:
        prefix, operation = target.rsplit(".", 1)
        service = "dynamodb" if prefix.startswith("DynamoDB") else prefix.removeprefix("Amazon")
        return caller, service.lower(), operation
    return caller, "other", str(environ.get("REQUEST_METHOD", "?"))


class RequestLog:
    """WSGI middleware: counts what passes through to `app`, answers LOG_PATH itself."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._calls: Counter[tuple[str, str, str]] = Counter()
        self._dynamodb_seconds = 0.0
        self._started = time.monotonic()

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == LOG_PATH:
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(self.snapshot()).encode()]
        key = describe(environ)
        started = time.monotonic()
        answer = self._app(environ, start_response)
        try:
            return list(answer)  # moto's work, timed whole
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
            with self._lock:
                self._calls[key] += 1
                if key[1] == "dynamodb":
                    self._dynamodb_seconds += time.monotonic() - started

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": [
                    {"caller": c, "service": s, "operation": o, "count": n}
                    for (c, s, o), n in sorted(self._calls.items())
                ],
                "dynamodb_seconds": self._dynamodb_seconds,
                "uptime_seconds": time.monotonic() - self._started,
            }


@contextmanager
def logged_moto(*, per_item: bool = True) -> Iterator[str]:
    """moto's server as tests/fakes/moto.py serves it to several processes (DynamoDB requests
    one at a time), behind a RequestLog; yields its URL. `per_item` asks for transactions
    that cost per item where tests/fakes/moto.py offers them, else moto's whole-table copies."""
    install = getattr(serialised, "per_item_transactions", None)
    if per_item and install is not None:
        install()
    # The log inside the one-at-a-time lock, so DynamoDB seconds are moto's work, not queueing.
    app = serialised.OneRequestAtATime(
        RequestLog(DomainDispatcherApplication(create_backend_app)), serialised.dynamodb_requests
    )
    with serialised.serving(app) as url:
        yield url


def per_item_available() -> bool:
    return hasattr(serialised, "per_item_transactions")
