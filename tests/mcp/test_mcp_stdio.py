"""`marshal mcp` over stdio, driven through the official SDK's client: read tools by default,
write tools only with --allow-writes and a write-scoped token, agents audited as
agent:<token name>, and no path to approve or publish."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import anyio
import mcp_types
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from bot.domain.audit import AuditAction
from tests.mcp.conftest import READ_TOOLS, WRITE_TOOLS, World, structured

pytestmark = pytest.mark.slow  # marshal in subprocesses


def params(world: World, token: str, *args: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "bot", "mcp", *args],
        env={**world.env, "MARSHAL_API_TOKEN": token},
    )


async def session_run(server: StdioServerParameters, steps: Any) -> Any:
    with anyio.fail_after(60):
        async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            return await steps(session)


def test_read_only_by_default(world: World) -> None:
    async def steps(session: ClientSession) -> tuple[Any, ...]:
        tools = (await session.list_tools()).tools
        listed = structured(await session.call_tool("list_incidents", {"limit": 5}))
        detail = structured(
            await session.call_tool("incident_detail", {"incident_id": world.incident.id})
        )
        similar = structured(
            await session.call_tool("similar_incidents", {"incident_id": world.incident.id})
        )
        refused = await session.call_tool("add_note", {"incident_id": "x", "text": "y"})
        return tools, listed, detail, similar, refused

    tools, listed, detail, similar, refused = anyio.run(
        session_run, params(world, world.read_token), steps
    )
    assert {t.name for t in tools} == READ_TOOLS
    for tool in tools:
        assert tool.description and tool.description.startswith("[read-only]")
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
    assert {i["id"] for i in listed["items"]} >= {world.incident.id}
    assert detail["incident"]["title"] == "checkout latency high"
    assert similar[0]["incident"]["title"] == "checkout latency after deploy"
    assert isinstance(refused, mcp_types.CallToolResult) and refused.is_error


def test_writes_with_allow_writes_and_a_write_token_are_audited_as_the_agent(
    world: World,
) -> None:
    incident_id = world.incident.id

    async def steps(session: ClientSession) -> tuple[Any, ...]:
        tools = (await session.list_tools()).tools
        note = structured(
            await session.call_tool("add_note", {"incident_id": incident_id, "text": "p99 up"})
        )
        ack = structured(await session.call_tool("acknowledge", {"incident_id": incident_id}))
        draft = structured(
            await session.call_tool(
                "draft_status_update",
                {"incident_id": incident_id, "text": "We are looking into slow checkouts."},
            )
        )
        return tools, note, ack, draft

    tools, note, ack, draft = anyio.run(
        session_run, params(world, world.write_token, "--allow-writes"), steps
    )
    names = {t.name for t in tools}
    assert names == READ_TOOLS | WRITE_TOOLS
    assert not any("approve" in n or "publish" in n for n in names)
    for tool in tools:
        if tool.name in WRITE_TOOLS:
            assert tool.description and tool.description.startswith("[writes]")
            assert tool.annotations is not None and tool.annotations.read_only_hint is False
    assert note["outcome"] == "done" and ack["outcome"] == "done", (note, ack)
    assert draft["outcome"] == "done", draft
    assert ack["incident"]["acknowledged_by"] == "agent:claude"
    timeline = world.backends.store.list_timeline(incident_id)
    assert [(t.author, t.text) for t in timeline] == [("agent:claude", "p99 up")]
    events = world.backends.audit.events(incident_id)
    writes = [e for e in events if e.action is AuditAction.OPERATOR_WRITE]
    assert [(e.actor, e.details["operation"]) for e in writes] == [
        ("agent:claude", "note"),
        ("agent:claude", "acknowledge"),
        ("agent:claude", "status-draft"),
    ]
    actions = {e.action for e in events}
    assert AuditAction.STATUS_DRAFT_CREATED in actions
    assert AuditAction.STATUS_PUBLISHED not in actions


def test_allow_writes_with_a_read_token_refuses_to_start(world: World) -> None:
    env = {**os.environ, **world.env, "MARSHAL_API_TOKEN": world.read_token}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "mcp", "--allow-writes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 2
    assert "write-scoped token" in done.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "mcp"],
        env={**env, "MARSHAL_API_TOKEN": "marshal_nope"},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert bad.returncode == 2 and "malformed" in bad.stderr
