"""Connection guards uvicorn lacks: a deadline for a request's headers and a cap on their size.

uvicorn arms its keep-alive timer only after a response, so a connection that never sends a
request, or sends its headers a byte at a time, is held forever; and httptools accepts headers
of any size. This protocol closes a connection whose next request's headers have not all
arrived within `header_timeout` (counted from the connect, or from the previous response) and
answers 431 to headers over `max_header_bytes`. The body has its own deadline in the webhook
route (a 408); idle keep-alive connections still go after uvicorn's shorter keep-alive timeout.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

_TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: text/plain; charset=utf-8\r\ncontent-length: 30\r\nconnection: close\r\n\r\n"
    b"request headers are too large\n"
)


class GuardedHttpProtocol(HttpToolsProtocol):
    header_timeout: float = 10.0
    max_header_bytes: int = 64 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._header_bytes = 0

    # -- the header deadline ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_arrived()
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        self._headers_arrived()
        if self.transport.is_closing():
            return  # refused (431) or timed out: start no request
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_headers()  # the next request on this connection gets the same deadline

    def _await_headers(self) -> None:
        self._headers_arrived()
        self._header_deadline = self.loop.call_later(self.header_timeout, self._deadline_passed)

    def _headers_arrived(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _deadline_passed(self) -> None:
        self._header_deadline = None
        busy = self.cycle is not None and not self.cycle.response_complete
        if not busy and not self.transport.is_closing():
            log.info("closing a connection that sent no complete request in time")
            self.transport.close()

    # -- the header size cap ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._header_bytes = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        if self._counted(len(url)):
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._counted(len(name) + len(value)):
            super().on_header(name, value)

    def _counted(self, size: int) -> bool:
        if self.transport.is_closing():
            return False
        self._header_bytes += size
        if self._header_bytes <= self.max_header_bytes:
            return True
        log.info("refusing request headers over %d bytes", self.max_header_bytes)
        self.transport.write(_TOO_LARGE)
        self.transport.close()
        return False


def guarded_protocol(*, header_timeout: float, max_header_bytes: int) -> type[GuardedHttpProtocol]:
    """The protocol class with these limits (uvicorn instantiates it per connection)."""
    return type(
        "GuardedHttpProtocol",
        (GuardedHttpProtocol,),
        {"header_timeout": header_timeout, "max_header_bytes": max_header_bytes},
    )
