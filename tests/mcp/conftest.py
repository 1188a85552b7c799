"""The MCP tests' world: a SQLite store with two incidents (one in a sandbox Slack room),
a read-scoped and a write-scoped token, and the environment `marshal mcp` runs with."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mcp_types
import pytest

from bot.domain.api_tokens import TokenScope
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from bot.wiring.backends import Backends, open_backends
from bot.wiring.operator_api import build_token_authority
from tests.conftest import slack_env

READ_TOOLS = {
    "list_incidents",
    "incident_detail",
    "timeline",
    "audit_trail",
    "similar_incidents",
    "list_followups",
}
WRITE_TOOLS = {"add_note", "acknowledge", "draft_status_update", "add_followup"}


@dataclass
class World:
    env: dict[str, str]
    backends: Backends
    read_token: str
    write_token: str
    incident: Incident


@pytest.fixture
def world(sandbox: SandboxSlack, tmp_path: Path) -> Iterator[World]:
    env = {
        "MARSHAL_DB_PATH": str(tmp_path / "marshal.db"),
        "MARSHAL_AUDIT_KEY": "mcp-tests-audit-key-0123456789",
        **slack_env(sandbox),
    }
    settings = Settings(
        _env_file=None,
        marshal_db_path=tmp_path / "marshal.db",
        marshal_audit_key=env["MARSHAL_AUDIT_KEY"],
    )
    backends = open_backends(settings)
    authority = build_token_authority(settings, backends.audit)
    read = authority.create("claude-ro", TokenScope.READ, by="cli:test").text
    write = authority.create("claude", TokenScope.WRITE, by="cli:test").text
    gateway = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    channel = gateway.create_private_channel(f"inc-mcp-{tmp_path.name[-12:].lower()}")
    incident, _ = backends.store.create_if_absent(
        Incident(
            source=AlertSource.GENERIC,
            group_key="mcp",
            title="checkout latency high",
            severity=Severity.P2,
            service="checkout",
        )
    )
    bound = incident.model_copy(update={"channel_id": channel.id, "channel_name": channel.name})
    incident = backends.store.update(bound, expected_version=incident.version)
    backends.store.create_if_absent(
        Incident(
            source=AlertSource.GENERIC,
            group_key="old",
            title="checkout latency after deploy",
            severity=Severity.P3,
            service="checkout",
        )
    )
    yield World(env, backends, read, write, incident)
    backends.close()


def structured(result: Any) -> Any:
    assert isinstance(result, mcp_types.CallToolResult)
    assert not result.is_error, result.content
    if result.structured_content is not None:
        content = result.structured_content
        return content.get("result", content) if isinstance(content, dict) else content
    block = result.content[0]
    assert isinstance(block, mcp_types.TextContent)
    return json.loads(block.text)
