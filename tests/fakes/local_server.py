"""One way the vendor fakes run: a threading HTTP server on a free loopback port, serving
in the background until stopped. Each fake keeps only its own request handler."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve_locally(
    handler: type[BaseHTTPRequestHandler], *, poll_interval: float = 0.02
) -> ThreadingHTTPServer:
    """Started on 127.0.0.1 and a port the OS picks (`server.server_address[1]`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True  # a hung client never holds the test process open
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": poll_interval}, daemon=True
    ).start()
    return server


def stop_serving(server: ThreadingHTTPServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
