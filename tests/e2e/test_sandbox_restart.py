"""`marshal up` restarted on the same state directory: the sandbox Slack comes back as it was.

Before, each start had a fresh workspace, so the second incident's room got the id the first
room had (G00000001) and anything scheduled for the first landed in the second.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.control_client import SandboxControl
from tests.e2e.conftest import start_marshal
from tests.eventually import eventually
from tests.web.conftest import Ingress, fixture_body

pytestmark = pytest.mark.slow  # runs marshal in subprocesses


def _alert(dedup_key: str) -> bytes:
    body = json.loads(fixture_body("generic_firing"))
    body["dedup_key"] = dedup_key
    return json.dumps(body).encode()


def _room(url: str, marshal_url: str, dedup_key: str) -> dict[str, Any]:
    answer = Ingress(marshal_url, backends=None).post("generic", _alert(dedup_key))  # type: ignore[arg-type]
    assert answer.status == 202, answer.body
    suffix = answer.body["incident_id"][-6:]
    slack = SandboxControl(url)

    def room() -> dict[str, Any] | None:
        for channel in slack.state()["channels"]:
            if channel["name"].startswith("inc-") and suffix in channel["name"]:
                return channel if channel["pins"] else None
        return None

    found: dict[str, Any] = eventually(room, timeout=30, message="the war room")
    return found


def test_a_restarted_marshal_up_keeps_the_sandbox_rooms_and_never_reuses_an_id(
    tmp_path: Path,
) -> None:
    first = start_marshal(tmp_path)
    try:
        before = _room(first.sandbox_url, first.url, "restart-one")
    finally:
        assert first.stop()[0] == 0
        first.close()
    assert (tmp_path / "sandbox-slack.json").exists()  # beside marshal.db

    second = start_marshal(tmp_path)
    try:
        slack = SandboxControl(second.sandbox_url)
        kept = slack.channel(before["id"])
        assert kept["name"] == before["name"]
        assert [m["ts"] for m in kept["messages"]][: len(before["messages"])] == [
            m["ts"] for m in before["messages"]
        ]
        after = _room(second.sandbox_url, second.url, "restart-two")
        assert after["id"] != before["id"]
        assert slack.channel(before["id"])["name"] == before["name"]
    finally:
        assert second.stop()[0] == 0
        second.close()
