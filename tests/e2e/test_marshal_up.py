"""The whole product in one process, as a user (or the black-box suite) starts it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from tests.e2e.conftest import MarshalProcess
from tests.eventually import eventually
from tests.web.conftest import Ingress, fixture_body

pytestmark = pytest.mark.slow  # runs marshal in subprocesses


def run_isolated(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`marshal ARGS` in its own process with only `env` set: no developer settings leak in."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "MARSHAL_DB_PATH": str(tmp_path / "m.db"),
            **env,
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_up_serves_health_accepts_an_alert_and_stops_within_five_seconds(
    marshal_up: MarshalProcess,
) -> None:
    assert marshal_up.url and marshal_up.sandbox_url
    ingress = Ingress(marshal_up.url, backends=None)  # type: ignore[arg-type]
    assert ingress.request("/healthz").status == 200
    assert ingress.request("/readyz").status == 200
    answer = ingress.post("generic", fixture_body("generic_firing"))
    assert answer.status == 202
    listed = subprocess.run(
        [sys.executable, "-m", "bot", "incident", "list", "--json"],
        env=marshal_up.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    incidents = json.loads(listed.stdout)
    assert [i["id"] for i in incidents] == [answer.body["incident_id"]]

    code, seconds = marshal_up.stop()
    assert code == 0
    assert seconds < 5
    assert "marshal: stopped" in "".join(marshal_up.lines)


def test_a_wrong_setting_stops_start_up_with_one_line(tmp_path: Path) -> None:
    result = run_isolated(tmp_path, "up", MARSHAL_HTTP_PORT="eighty")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("marshal: configuration error: MARSHAL_HTTP_PORT: ")
    assert "Traceback" not in result.stderr


def test_a_taken_port_is_one_clear_line(tmp_path: Path, marshal_up: MarshalProcess) -> None:
    port = marshal_up.url.rsplit(":", 1)[1]
    second = tmp_path / "second"
    second.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "webhook"],
        env={
            **marshal_up.env,
            "MARSHAL_HTTP_PORT": port,
            "MARSHAL_DB_PATH": str(second / "m.db"),
        },
        cwd=second,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "marshal: cannot start:" in result.stderr and "in use" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("source", "fixture"),
    [("alertmanager", "alertmanager_firing"), ("pagerduty", "pagerduty_incident_triggered")],
)
def test_an_alert_becomes_exactly_one_war_room_in_the_sandbox(
    marshal_up: MarshalProcess, source: str, fixture: str
) -> None:
    ingress = Ingress(marshal_up.url, backends=None)  # type: ignore[arg-type]
    body = fixture_body(fixture)
    first = ingress.post(source, body)
    again = ingress.post(source, body)  # the sender retries: still one incident, one room
    assert (first.status, again.status) == (202, 200)
    incident_id = first.body["incident_id"]
    slack = SandboxControl(marshal_up.sandbox_url)

    def rooms() -> list[dict[str, Any]]:
        return [
            c
            for c in slack.state()["channels"]
            if c.get("is_private") and incident_id[-6:] in c["name"]
        ]

    room = eventually(rooms, timeout=20, message="the war room")[0]
    assert room["name"].startswith("inc-")
    pinned = eventually(lambda: slack.channel(room["id"]).get("pins"), timeout=20)
    assert pinned
    shown = subprocess.run(
        [sys.executable, "-m", "bot", "incident", "show", incident_id, "--json"],
        env=marshal_up.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    incident = json.loads(shown.stdout)
    assert incident["channel_id"] == room["id"]
    assert incident["status"] == "investigating"
    time.sleep(0.5)
    assert len(rooms()) == 1
    verify = subprocess.run(
        [sys.executable, "-m", "bot", "audit", "verify", incident_id],
        env=marshal_up.env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.parametrize(
    ("bot_token", "app_token", "named"),
    [("xoxb-wrong", None, "SLACK_BOT_TOKEN"), (None, "xapp-wrong", "SLACK_APP_TOKEN")],
)
def test_a_token_slack_refuses_is_one_line_naming_it(
    tmp_path: Path,
    sandbox: SandboxSlack,
    bot_token: str | None,
    app_token: str | None,
    named: str,
) -> None:
    result = run_isolated(
        tmp_path,
        "processor",
        SLACK_BOT_TOKEN=bot_token or sandbox.bot_token,
        SLACK_APP_TOKEN=app_token or sandbox.app_token,
        SLACK_API_URL=sandbox.api_url,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    refusal = [line for line in result.stderr.splitlines() if line.startswith("marshal:")]
    assert len(refusal) == 1 and named in refusal[0] and "refused by Slack" in refusal[0]


def test_an_unreachable_slack_is_one_line(tmp_path: Path) -> None:
    result = run_isolated(
        tmp_path,
        "processor",
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_APP_TOKEN="xapp-1",
        SLACK_API_URL="http://127.0.0.1:1/api/",
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "cannot reach Slack at http://127.0.0.1:1/api/ (SLACK_API_URL)" in result.stderr


def test_a_cli_command_on_an_unreachable_store_is_one_line(tmp_path: Path) -> None:
    result = run_isolated(
        tmp_path,
        "incident",
        "list",
        MARSHAL_STORE="dynamodb",
        AWS_ENDPOINT_URL="http://127.0.0.1:1",
        AWS_ACCESS_KEY_ID="x",
        AWS_SECRET_ACCESS_KEY="x",
        AWS_MAX_ATTEMPTS="1",
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("marshal: ") and len(result.stderr.splitlines()) == 1
