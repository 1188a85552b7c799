"""Resolve end to end through `marshal up` and its sandbox Slack: an alert opens a room,
`/marshal resolve All good now` resolves it, the postmortem file (markdown fallback) is
written and linked in the room, the room stays open for MARSHAL_ARCHIVE_AFTER (people rate
and can reopen) and is archived after it, the audit chain holds."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.control_client import SandboxControl
from tests.e2e.conftest import MarshalProcess, start_marshal
from tests.eventually import eventually
from tests.web.conftest import Ingress, fixture_body

pytestmark = pytest.mark.slow  # runs marshal in subprocesses


def _marshal(marshal: MarshalProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=marshal.env,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def _show(marshal: MarshalProcess, incident_id: str) -> dict[str, Any]:
    shown = _marshal(marshal, "incident", "show", incident_id, "--json")
    assert shown.returncode == 0, shown.stderr
    found: dict[str, Any] = json.loads(shown.stdout)
    return found


GRACE_SECONDS = 4


@pytest.fixture
def marshal_with_grace(tmp_path: Path) -> Iterator[MarshalProcess]:
    marshal = start_marshal(tmp_path, MARSHAL_ARCHIVE_AFTER=f"{GRACE_SECONDS}s")
    yield marshal
    if marshal.process.poll() is None:
        marshal.kill()
    else:
        marshal.close()


def test_resolve_files_the_postmortem_links_it_and_archives_the_room_after_the_grace(
    marshal_with_grace: MarshalProcess, tmp_path: Path
) -> None:
    marshal_up = marshal_with_grace
    answer = Ingress(marshal_up.url, backends=None).post(  # type: ignore[arg-type]
        "generic", fixture_body("generic_firing")
    )
    assert answer.status == 202
    incident_id = str(answer.body["incident_id"])
    room = eventually(lambda: _show(marshal_up, incident_id).get("channel_id"), timeout=20)
    eventually(lambda: _show(marshal_up, incident_id)["status"] == "investigating", timeout=20)
    slack = SandboxControl(marshal_up.sandbox_url)
    assert slack.run_command("U0ALICE", room, "invite <@U0ALICE>").acked
    slack.post_message("U0ALICE", room, "Failed over the replica; lag is back to 0s.")

    resolved_at = time.time()
    delivered = slack.run_command("U0ALICE", room, "resolve All good now")
    assert delivered.acked
    assert "resolved the incident" in str((delivered.ack_payload or {}).get("text"))

    postmortem = tmp_path / "postmortems" / f"{incident_id}.md"
    eventually(postmortem.exists, timeout=20)
    text = postmortem.read_text()
    assert text.startswith("# Postmortem: Checkout DB replica lag above 30s")
    assert "All good now" in text and "Failed over the replica" in text
    assert "To be determined by the team." in text

    channel = eventually(lambda: (c := slack.channel(room)).get("is_archived") and c, timeout=20)
    [archived] = [c for c in slack.calls("conversations.archive") if c["args"]["channel"] == room]
    assert archived["at"] - resolved_at >= GRACE_SECONDS - 0.5  # the grace: rate, reopen
    posted = [str(m.get("text", "")) for m in channel["messages"]]
    assert not any(str(postmortem) in m for m in posted)  # never a path on marshal's host
    assert any("read it in this room:" in m for m in posted)
    assert any("standard postmortem" in m and "no LLM is configured" in m for m in posted)
    assert _show(marshal_up, incident_id)["status"] == "resolved"

    verified = _marshal(marshal_up, "audit", "verify", incident_id)
    assert verified.returncode == 0, verified.stdout + verified.stderr
