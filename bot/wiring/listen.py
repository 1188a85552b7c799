"""The listening ports, bound before anything else of `marshal up` / `webhook` / `processor`.

A port that is taken must stop start-up before a consumer takes an event off the queue or the
Slack app connects, and must say which port and which setting: so the web port
(MARSHAL_HTTP_PORT) and the sandbox Slack's (MARSHAL_SANDBOX_PORT) are bound here first and
handed to the servers that listen on them.
"""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass

from bot.settings import Settings


class PortUnavailable(OSError):
    """A port marshal must listen on cannot be bound; the message names port and setting."""


def bind_port(host: str, port: int, setting: str) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortUnavailable(
                f"port {port} on {host} ({setting}) is in use: stop what listens there "
                f"or set {setting} to a free port"
            ) from None
        raise PortUnavailable(
            f"cannot listen on {host} port {port} ({setting}): {exc.strerror or exc}"
        ) from None
    return sock


@dataclass
class Listeners:
    web: socket.socket | None = None
    sandbox: socket.socket | None = None

    def close(self) -> None:
        for sock in (self.web, self.sandbox):
            if sock is not None:
                sock.close()


def bind_listeners(settings: Settings, parts: str) -> Listeners:
    """Every port `parts` (up, webhook, processor) listens on, bound now, or PortUnavailable."""
    listeners = Listeners()
    try:
        if parts in ("up", "webhook"):
            listeners.web = bind_port(
                settings.marshal_http_host, settings.marshal_http_port, "MARSHAL_HTTP_PORT"
            )
        if parts in ("up", "processor") and settings.uses_sandbox:
            listeners.sandbox = bind_port(
                settings.marshal_sandbox_host, settings.marshal_sandbox_port, "MARSHAL_SANDBOX_PORT"
            )
    except PortUnavailable:
        listeners.close()
        raise
    return listeners
