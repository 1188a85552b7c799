"""Runs the ASGI app on uvicorn in a background thread, with a bounded, graceful stop.

The server holds a bounded number of connections and none for long without a request: see
`ServerLimits` and bot/web/connections.py.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from bot.web.connections import guarded_protocol


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int = 512  # beyond it new requests are answered 503 (uvicorn)
    keep_alive_seconds: int = 5  # an idle keep-alive connection is closed after this
    read_timeout_seconds: float = 10.0  # a request's headers must arrive within this
    max_header_bytes: int = 64 * 1024  # larger request headers are answered 431


class WebServer:
    def __init__(
        self,
        app: ASGIApp,
        host: str,
        port: int,
        limits: ServerLimits | None = None,
        *,
        sock: socket.socket | None = None,
    ) -> None:
        """`sock`: already bound to host and port (bot/wiring/listen.py binds before start-up)."""
        limits = limits or ServerLimits()
        # Bind ourselves so port 0 works and the real port is known before serving.
        if sock is None:
            sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
        self._socket = sock
        self.host = host
        self.port = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=3,
            lifespan="off",
            http=guarded_protocol(
                header_timeout=limits.read_timeout_seconds,
                max_header_bytes=limits.max_header_bytes,
            ),
            limit_concurrency=limits.max_connections,
            timeout_keep_alive=limits.keep_alive_seconds,
            h11_max_incomplete_event_size=limits.max_header_bytes,  # the same cap under h11
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="web", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _serve(self) -> None:
        self._server.run(sockets=[self._socket])

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"web server did not start on {self.url}")
            time.sleep(0.01)

    def stop(self, timeout: float = 4.0) -> None:
        """Stop accepting, let in-flight requests finish (bounded), then return."""
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(1.0)
        self._socket.close()
