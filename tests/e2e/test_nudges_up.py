"""`marshal up` nudges a fresh war room for a status update, through the real wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.control_client import SandboxControl
from tests.e2e.conftest import start_marshal
from tests.eventually import eventually
from tests.web.conftest import Ingress, fixture_body

pytestmark = pytest.mark.slow  # runs marshal in subprocesses


def test_a_new_war_room_gets_a_status_update_nudge(tmp_path: Path) -> None:
    marshal = start_marshal(tmp_path, MARSHAL_NUDGE_INTERVAL="P1=1s,P2=1s,P3=1s,P4=1s,P5=1s")
    try:
        ingress = Ingress(marshal.url, backends=None)  # type: ignore[arg-type]
        accepted = ingress.post("alertmanager", fixture_body("alertmanager_firing"))
        assert accepted.status == 202
        suffix = accepted.body["incident_id"][-6:]
        slack = SandboxControl(marshal.sandbox_url)

        def nudges() -> list[dict[str, Any]]:
            rooms = [c for c in slack.state()["channels"] if suffix in c["name"]]
            messages = rooms[0].get("messages", []) if rooms else []
            return [m for m in messages if "Status update due" in str(m.get("text"))]

        eventually(nudges, timeout=20, message="a nudge in the war room")
        assert "no IC yet" in str(nudges()[0]["text"])
    finally:
        code, _ = marshal.stop()
        if marshal.process.stdout is not None:
            marshal.process.stdout.close()
    assert code == 0
