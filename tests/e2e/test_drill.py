"""`marshal drill` against a running `marshal up`: it tells the truth about what happened."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.sandbox.server import SandboxSlack
from tests.e2e.conftest import MarshalProcess, start_marshal
from tests.web.conftest import SECRETS

pytestmark = pytest.mark.slow  # runs marshal in subprocesses


def _marshal(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


def _stop(marshal: MarshalProcess) -> None:
    assert marshal.stop()[0] == 0
    marshal.close()


def test_a_failed_assembly_step_fails_the_drill_and_is_named(tmp_path: Path) -> None:
    # An announcement channel that does not exist: the announcement step fails, the room stands.
    marshal = start_marshal(tmp_path, MARSHAL_ANNOUNCE_CHANNEL="C0NOSUCHCHANNEL")
    try:
        drill = _marshal(marshal.env, tmp_path, "drill", "--url", marshal.url)
    finally:
        _stop(marshal)
    assert drill.returncode == 1, drill.stdout
    assert "drill: step announcement FAILED for inc-" in drill.stdout
    assert "incomplete" in drill.stdout and "ready in" not in drill.stdout


def test_a_pagerduty_drill_is_a_drill_and_left_out_of_the_report(tmp_path: Path) -> None:
    marshal = start_marshal(tmp_path)
    try:
        drill = _marshal(
            marshal.env, tmp_path, "drill", "--url", marshal.url, "--source", "pagerduty"
        )
        assert drill.returncode == 0, drill.stdout + drill.stderr
        listed = json.loads(_marshal(marshal.env, tmp_path, "incident", "list", "--json").stdout)
        report = json.loads(_marshal(marshal.env, tmp_path, "report", "--json").stdout)
    finally:
        _stop(marshal)
    assert len(listed) == 1
    assert (report["incidents"], report["drills"]) == (0, 1)


def test_a_wrong_url_asks_whether_it_is_marshals_web_port(
    tmp_path: Path, sandbox: SandboxSlack
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "MARSHAL_DB_PATH": str(tmp_path / "m.db"),
        "MARSHAL_SECRET_GENERIC": SECRETS["generic"],
    }
    drill = _marshal(env, tmp_path, "drill", "--url", sandbox.url)  # a web server, not marshal
    assert drill.returncode == 1
    assert (
        f"drill: HTTP 404 at {sandbox.url}/webhooks/generic: is this marshal's web port?"
        in drill.stdout
    )
    assert "Traceback" not in drill.stderr
