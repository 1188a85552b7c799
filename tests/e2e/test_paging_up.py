"""`marshal up` with the sandbox Slack and no pager settings pages through the sandbox's
own PagerDuty and DMs the sandbox on-call group, through the real wiring; a bad escalation
file stops start-up with one line."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.control_client import SandboxControl
from tests.e2e.conftest import start_marshal
from tests.eventually import eventually
from tests.web.conftest import Ingress, fixture_body

pytestmark = pytest.mark.slow  # runs marshal in subprocesses


def _pager_events(sandbox_url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{sandbox_url}/pagerduty/events", timeout=5) as answer:
        events: list[dict[str, Any]] = json.load(answer)["events"]
    return events


def test_a_severe_alert_pages_the_sandbox_pager_and_the_on_call_group(tmp_path: Path) -> None:
    marshal = start_marshal(tmp_path)
    try:
        ingress = Ingress(marshal.url, backends=None)  # type: ignore[arg-type]
        accepted = ingress.post("alertmanager", fixture_body("alertmanager_firing"))
        assert accepted.status == 202
        incident_id = accepted.body["incident_id"]
        [trigger] = eventually(lambda: _pager_events(marshal.sandbox_url), timeout=30)
        assert (trigger["event_action"], trigger["dedup_key"], trigger["routing_key"]) == (
            "trigger",
            incident_id,
            "SANDBOX-PRIMARY",
        )
        slack = SandboxControl(marshal.sandbox_url)

        def page_dms() -> list[dict[str, Any]]:
            return [
                c
                for c in slack.calls("chat.postMessage")
                if "marshal.page.acknowledge" in json.dumps(c) and incident_id in json.dumps(c)
            ]

        eventually(lambda: len(page_dms()) >= 2, timeout=20)  # both S0ONCALL members
        assert len(page_dms()) == 2

        drill = subprocess.run(
            [sys.executable, "-m", "bot", "drill", "--severity", "P1", "--url", marshal.url],
            env=marshal.env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert drill.returncode == 0, drill.stdout + drill.stderr
        assert "first page sent (level 1, pagerduty:SANDBOX-PRIMARY)" in drill.stdout
        assert "drill: marshal's own measure, alert to first page: " in drill.stdout
    finally:
        code, _ = marshal.stop()
        if marshal.process.stdout is not None:
            marshal.process.stdout.close()
    assert code == 0


def test_a_bad_escalation_file_stops_start_up_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "escalation.yaml"
    bad.write_text("policies:\n  standard:\n    levels: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "up"],
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "MARSHAL_DB_PATH": str(tmp_path / "m.db"),
            "MARSHAL_HTTP_PORT": "0",
            "MARSHAL_SANDBOX_PORT": "0",
            "MARSHAL_ESCALATION_FILE": str(bad),
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    said = [line for line in result.stderr.splitlines() if line.startswith("marshal:")]
    assert said == [
        f"marshal: MARSHAL_ESCALATION_FILE: {bad}: policy 'standard': "
        "`levels` must be a list of at least one level"
    ]
    assert "Traceback" not in result.stderr
    assert "sandbox Slack at" not in result.stdout  # stopped before the Slack side started
