"""Idle, slow and oversized connections against the real web server: closed, and service goes on.

Short settings (1 s reads, 1 s keep-alive) keep the test fast; the defaults are 10 s and 5 s.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.wiring.backends import open_backends
from bot.wiring.ingress import start_web
from bot.wiring.process import ProcessGroup
from tests.web.conftest import Ingress, fixture_body, ingress_settings

READ_TIMEOUT = 1.0


def start(tmp_path: Path, **overrides: Any) -> tuple[Ingress, ProcessGroup]:
    settings = ingress_settings(
        tmp_path,
        marshal_http_read_timeout_seconds=READ_TIMEOUT,
        marshal_http_keep_alive_seconds=1,
        **overrides,
    )
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    server = start_web(group, settings, backends)
    return Ingress(server.url, backends), group


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[Ingress]:
    ingress, group = start(tmp_path)
    try:
        yield ingress
    finally:
        group.stop()


def connect(ingress: Ingress) -> socket.socket:
    host, port = ingress.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    return sock


def read_until_closed(sock: socket.socket, within: float) -> bytes:
    """Everything the server sent before closing; fails if it is still open after `within`."""
    sock.settimeout(within)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        pytest.fail(f"connection still open after {within} s; received {received[:80]!r}")
    except ConnectionResetError:
        pass
    return received


def test_idle_and_slow_connections_are_closed_and_others_still_served(guarded: Ingress) -> None:
    idle = [connect(guarded) for _ in range(150)]
    slow_headers = [connect(guarded) for _ in range(25)]
    slow_bodies = [connect(guarded) for _ in range(25)]
    for sock in slow_headers:
        sock.sendall(b"POST /webhooks/generic HTTP/1.1\r\nHost: x\r\nX-Trickle: ")
    for sock in slow_bodies:
        sock.sendall(
            b"POST /webhooks/generic HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{"
        )
    try:
        # while all 200 are held open, a genuine alert is still accepted
        assert guarded.post("generic", fixture_body("generic_firing")).status == 202
        started = time.monotonic()
        for sock in idle + slow_headers:
            assert read_until_closed(sock, within=READ_TIMEOUT + 4) == b""
        for sock in slow_bodies:
            answer = read_until_closed(sock, within=READ_TIMEOUT + 4)
            assert answer.startswith(b"HTTP/1.1 408 ")
            assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"].startswith("body not")
        assert time.monotonic() - started < READ_TIMEOUT + 4
    finally:
        for sock in idle + slow_headers + slow_bodies:
            sock.close()
    assert guarded.request("/healthz").status == 200


def test_a_kept_alive_connection_is_closed_once_idle(guarded: Ingress) -> None:
    sock = connect(guarded)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = read_until_closed(sock, within=4)
    assert answer.startswith(b"HTTP/1.1 200 ")  # answered, then closed when it idled
    sock.close()


def test_oversized_headers_are_refused_with_431(guarded: Ingress) -> None:
    sock = connect(guarded)
    filler = b"X-Filler: " + b"a" * 8000 + b"\r\n"
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + filler * 10)
        assert read_until_closed(sock, within=4).startswith(b"HTTP/1.1 431 ")
    finally:
        sock.close()


def test_past_the_connection_limit_new_requests_get_503_until_idle_ones_go(
    tmp_path: Path,
) -> None:
    ingress, group = start(tmp_path, marshal_http_max_connections=5)
    held = [connect(ingress) for _ in range(5)]
    try:
        time.sleep(0.1)  # the server has accepted them all
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(ingress.url + "/healthz", timeout=5)
        refused.value.close()
        assert refused.value.code == 503
        for sock in held:
            assert read_until_closed(sock, within=READ_TIMEOUT + 4) == b""
        assert ingress.request("/healthz").status == 200
    finally:
        for sock in held:
            sock.close()
        group.stop()
