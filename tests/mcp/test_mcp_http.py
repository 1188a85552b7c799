"""`marshal mcp --http`: streamable HTTP through the SDK's client, each request with its own
bearer token; a missing or unknown token is a 401 before any tool runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import anyio
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.eventually import eventually
from tests.mcp.conftest import READ_TOOLS, World, structured

pytestmark = pytest.mark.slow  # marshal in a subprocess


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mcp_url(world: World) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "mcp", "--http", "--port", str(port)],
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


def test_tools_over_http_with_a_bearer_token(world: World, mcp_url: str) -> None:
    async def run() -> tuple[Any, Any]:
        headers = {"Authorization": f"Bearer {world.read_token}"}
        with anyio.fail_after(60):
            async with (
                httpx2.AsyncClient(headers=headers, timeout=30) as client,
                streamable_http_client(mcp_url, http_client=client) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                tools = (await session.list_tools()).tools
                listed = structured(await session.call_tool("list_incidents", {"limit": 5}))
                return tools, listed

    tools, listed = anyio.run(run)
    assert {t.name for t in tools} == READ_TOOLS
    assert world.incident.id in {i["id"] for i in listed["items"]}


def test_no_token_no_protocol(mcp_url: str) -> None:
    request = urllib.request.Request(mcp_url, data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert b"missing bearer token" in refused.value.read()
