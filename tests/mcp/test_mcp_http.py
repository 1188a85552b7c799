"""`marshal mcp --http`: streamable HTTP through the SDK's client, each request with its own
bearer token; a missing or unknown token is a 401 before any tool runs, and with
--allow-writes a write runs only for a write-scoped token, audited as that token's agent."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from bot.domain.audit import AuditAction
from tests.eventually import eventually
from tests.mcp.conftest import READ_TOOLS, WRITE_TOOLS, World, structured

pytestmark = pytest.mark.slow  # marshal in a subprocess


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(world: World, *flags: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "mcp", "--http", "--port", str(port), *flags],
        env={**os.environ, **world.env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/mcp"

    def listening() -> bool:
        try:
            urllib.request.urlopen(url, timeout=1)
        except urllib.error.HTTPError:
            return True  # it answered (401 without a token)
        except OSError:
            return False
        return True

    try:
        eventually(listening, timeout=30)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def mcp_url(world: World) -> Iterator[str]:
    with serving(world) as url:
        yield url


async def calls_as(url: str, token: str, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    """One session with `token`; the tools' listing, then each call's raw result."""
    headers = {"Authorization": f"Bearer {token}"}
    with anyio.fail_after(60):
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as client,
            streamable_http_client(url, http_client=client) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            results: list[Any] = [(await session.list_tools()).tools]
            for name, arguments in calls:
                results.append(await session.call_tool(name, arguments))
            return results


def test_tools_over_http_with_a_bearer_token(world: World, mcp_url: str) -> None:
    tools, listed = anyio.run(calls_as, mcp_url, world.read_token, ("list_incidents", {"limit": 5}))
    assert {t.name for t in tools} == READ_TOOLS
    assert world.incident.id in {i["id"] for i in structured(listed)["items"]}


def test_no_token_no_protocol(mcp_url: str) -> None:
    request = urllib.request.Request(mcp_url, data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert b"missing bearer token" in refused.value.read()


def test_writes_over_http_take_each_requests_own_token(world: World) -> None:
    incident_id = world.incident.id
    note = ("add_note", {"incident_id": incident_id, "text": "rolled back the deploy"})
    with serving(world, "--allow-writes") as url:
        tools, written = anyio.run(calls_as, url, world.write_token, note)
        _, refused = anyio.run(calls_as, url, world.read_token, note)

    assert {t.name for t in tools} == READ_TOOLS | WRITE_TOOLS
    assert structured(written)["outcome"] == "done", written
    # the read-scoped token reaches the tool over the same server, and is turned away there
    assert refused.is_error
    assert "read scope" in refused.content[0].text
    timeline = world.backends.store.list_timeline(incident_id)
    assert [(t.author, t.text) for t in timeline] == [("agent:claude", "rolled back the deploy")]
    writes = [
        e
        for e in world.backends.audit.events(incident_id)
        if e.action is AuditAction.OPERATOR_WRITE
    ]
    assert [(e.actor, e.details["operation"]) for e in writes] == [("agent:claude", "note")]
