"""moto's server with DynamoDB requests applied one at a time, over real HTTP on port 0.

moto's DynamoDB transactions snapshot and restore whole tables, so two requests interleaving
inside moto would lose writes that real DynamoDB keeps. Serialising them gives the per-item
atomicity real DynamoDB has; the clients' own read/condition/retry races still interleave.
`only` picks which requests are serialised: all of them (the contract suite), or just
DynamoDB's, so an SQS long poll does not hold every other client up (the multi-process tests).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

Environ = dict[str, Any]


def every_request(_environ: Environ) -> bool:
    return True


def dynamodb_requests(environ: Environ) -> bool:
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).startswith("DynamoDB_")


class OneRequestAtATime:
    def __init__(
        self, app: Callable[..., Iterable[bytes]], only: Callable[[Environ], bool] = every_request
    ) -> None:
        self._app = app
        self._only = only
        self._lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> list[bytes]:
        if not self._only(environ):
            return self._respond(environ, start_response)
        with self._lock:
            return self._respond(environ, start_response)

    def _respond(self, environ: Environ, start_response: Callable[..., Any]) -> list[bytes]:
        body = self._app(environ, start_response)
        try:
            return list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()


@contextmanager
def serialised_moto(only: Callable[[Environ], bool] = every_request) -> Iterator[str]:
    """Run moto's server; yields its URL."""
    app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app), only)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
