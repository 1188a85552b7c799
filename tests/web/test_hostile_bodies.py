"""Bodies built to hurt: JSON nested past any real payload, and senders that vanish mid-body."""

from __future__ import annotations

import json
import logging
import socket
import time
from typing import Any

import pytest

from tests.eventually import eventually
from tests.web.conftest import Ingress, fixture_body
from tests.web.test_webhooks import FIRING

MAX_JSON_DEPTH = 64  # the documented limit (bot/ingest/fields.py)


def nested(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"next": value} if levels % 2 else [value]
    return value


@pytest.mark.parametrize("source", sorted(FIRING))
@pytest.mark.parametrize("levels", [300, 5000])
def test_json_nested_past_the_limit_is_a_400_naming_it(
    ingress: Ingress, source: str, levels: int
) -> None:
    body = json.loads(fixture_body(FIRING[source]))
    if levels < 900:
        body["deep"] = nested(levels)
        raw = json.dumps(body).encode()
    else:
        raw = _raw(body, levels)
    answer = ingress.post(source, raw)
    assert answer.status == 400, answer.body
    assert f"nested deeper than {MAX_JSON_DEPTH} levels" in answer.body["error"]
    assert ingress.backends.store.list_incidents(open_only=False).items == []


def _raw(body: dict[str, Any], levels: int) -> bytes:
    """json.dumps (and json.loads) overflow this deep: write the nesting by hand."""
    prefix = json.dumps(body)[:-1]
    return f'{prefix}, "deep": {"[" * levels}1{"]" * levels}}}'.encode()


def test_nesting_up_to_the_limit_is_accepted(ingress: Ingress) -> None:
    body = json.loads(fixture_body("generic_firing"))
    body["labels"] = {"shape": "flat"}
    body["extra"] = nested(MAX_JSON_DEPTH - 1)  # the body itself is level 1
    assert ingress.post("generic", json.dumps(body).encode()).status == 202


def test_a_sender_gone_mid_body_is_one_info_line(
    ingress: Ingress, caplog: pytest.LogCaptureFixture
) -> None:
    host, port = ingress.url.removeprefix("http://").split(":")
    caplog.set_level(logging.INFO)
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /webhooks/generic HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 5000\r\n\r\n" + b'{"dedup_key": "half'
        )
        time.sleep(0.2)  # the route is now waiting for the rest
    eventually(lambda: _disconnect_lines(caplog), timeout=5, message="the disconnect line")
    assert len(_disconnect_lines(caplog)) == 1
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert [r for r in caplog.records if r.exc_info] == []


def _disconnect_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r for r in caplog.records if r.levelno == logging.INFO and "disconnected" in r.getMessage()
    ]
