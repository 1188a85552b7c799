"""The MCP server in-process through the SDK's Client: the tools over a real SQLite store,
write tools gated on --allow-writes and the caller's scope, similar incidents ranked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import mcp_types
import pytest
from mcp import Client

from bot.domain.api_tokens import ApiToken
from bot.domain.errors import ConfigurationError
from bot.mcp.server import CALLER, build_mcp_server
from bot.sandbox.server import SandboxSlack
from bot.services.operator.tokens import TokenAuthority
from bot.settings import Settings
from bot.wiring.mcp import build_operator_tools
from bot.wiring.operator_api import build_token_authority
from bot.wiring.write_side import writing_side
from tests.conftest import slack_env
from tests.mcp.conftest import READ_TOOLS, WRITE_TOOLS, World, structured


def settings_of(world: World, tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,
        marshal_db_path=tmp_path / "marshal.db",
        marshal_audit_key=world.env["MARSHAL_AUDIT_KEY"],
        **extra,
    )


def token_of(authority: TokenAuthority, text: str) -> ApiToken:
    return authority.authenticate(text)


def run(server: Any, steps: Any, caller: ApiToken) -> Any:
    async def go() -> Any:
        CALLER.set(caller)
        with anyio.fail_after(30):
            async with Client(server) as client:
                return await steps(client)

    return anyio.run(go)


def test_read_tools_in_process(world: World, tmp_path: Path) -> None:
    settings = settings_of(world, tmp_path)
    authority = build_token_authority(settings, world.backends.audit)
    tools = build_operator_tools(settings, world.backends, allow_writes=False)
    server = build_mcp_server(tools, allow_writes=False)
    incident_id = world.incident.id

    async def steps(client: Client) -> tuple[Any, ...]:
        listed = await client.list_tools()
        similar = await client.call_tool("similar_incidents", {"incident_id": incident_id})
        timeline = await client.call_tool("timeline", {"incident_id": incident_id})
        audit = await client.call_tool("audit_trail", {"incident_id": incident_id})
        missing = await client.call_tool("incident_detail", {"incident_id": "inc-none"})
        return listed, similar, timeline, audit, missing

    listed, similar, timeline, audit, missing = run(
        server, steps, token_of(authority, world.read_token)
    )
    assert {t.name for t in listed.tools} == READ_TOOLS
    ranked = structured(similar)
    assert ranked[0]["incident"]["title"] == "checkout latency after deploy"
    assert ranked[0]["score"] > 0.5  # same service, and words in common
    assert structured(timeline) == []
    assert isinstance(structured(audit), list)
    assert isinstance(missing, mcp_types.CallToolResult) and missing.is_error


def test_write_tools_need_slack_settings(world: World, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SLACK_BOT_TOKEN"):
        writing_side(settings_of(world, tmp_path), world.backends)


def test_write_tools_check_the_callers_scope(
    world: World, tmp_path: Path, sandbox: SandboxSlack
) -> None:
    env = slack_env(sandbox)
    settings = settings_of(
        world,
        tmp_path,
        slack_bot_token=env["SLACK_BOT_TOKEN"],
        slack_app_token=env["SLACK_APP_TOKEN"],
        slack_api_url=env["SLACK_API_URL"],
    )
    authority = build_token_authority(settings, world.backends.audit)
    tools = build_operator_tools(settings, world.backends, allow_writes=True)
    server = build_mcp_server(tools, allow_writes=True)
    arguments = {"incident_id": world.incident.id, "text": "from an agent"}

    async def note(client: Client) -> tuple[Any, Any]:
        return await client.list_tools(), await client.call_tool("add_note", arguments)

    listed, refused = run(server, note, token_of(authority, world.read_token))
    assert {t.name for t in listed.tools} == READ_TOOLS | WRITE_TOOLS
    assert isinstance(refused, mcp_types.CallToolResult) and refused.is_error
    block = refused.content[0]
    assert isinstance(block, mcp_types.TextContent) and "read scope" in block.text
    _, done = run(server, note, token_of(authority, world.write_token))
    assert structured(done)["outcome"] == "done"

    async def followup(client: Client) -> tuple[Any, Any]:
        added = await client.call_tool(
            "add_followup", {"incident_id": world.incident.id, "text": "add an alert", "due": "7d"}
        )
        return added, await client.call_tool("list_followups", {})

    added, listed_followups = run(server, followup, token_of(authority, world.write_token))
    assert structured(added)["outcome"] == "done", structured(added)
    assert [f["text"] for f in structured(listed_followups)] == ["add an alert"]
    timeline = world.backends.store.list_timeline(world.incident.id)
    assert ("agent:claude", "from an agent") in [(t.author, t.text) for t in timeline]
    assert {t.author for t in timeline} == {"agent:claude"}  # the follow-up is noted too
