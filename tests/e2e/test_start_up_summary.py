"""`marshal up` says once what it runs and what will silently do nothing; a taken port names
itself and stops start-up before anything else runs."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import start_marshal

pytestmark = pytest.mark.slow  # runs marshal in subprocesses


def test_up_prints_one_summary_with_sources_slack_store_and_warnings(tmp_path: Path) -> None:
    marshal = start_marshal(tmp_path, MARSHAL_APPROVERS="U0DAVE")
    try:
        output = "".join(marshal.lines)
    finally:
        assert marshal.stop()[0] == 0
        marshal.close()
    assert output.count("start-up summary") == 1
    assert "generic on" in output and "pagerduty on" in output
    assert f"sandbox at {marshal.sandbox_url}" in output
    assert f"sqlite {tmp_path / 'marshal.db'}" in output
    assert "U0DAVE; two-person rule: P1" in output
    assert "warning: MARSHAL_ANNOUNCE_CHANNEL is unset" in output
    assert "warning: no MARSHAL_DIRECTORY_FILE and no MARSHAL_DEFAULT_RESPONDERS" in output
    assert output.index("start-up summary") < output.index("is running")


def test_a_taken_web_port_is_named_and_nothing_else_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bot", "up"],
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(tmp_path),
                "MARSHAL_DB_PATH": str(tmp_path / "m.db"),
                "MARSHAL_HTTP_PORT": str(port),
                "MARSHAL_SANDBOX_PORT": "0",
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert (
        f"marshal: cannot start: port {port} on 127.0.0.1 (MARSHAL_HTTP_PORT) is in use"
        in result.stderr
    )
    assert "Traceback" not in result.stderr
    # Nothing ran: no sandbox Slack, no store file, no summary.
    assert "sandbox Slack at" not in result.stdout and "summary" not in result.stdout
    assert not (tmp_path / "m.db").exists()
    assert not (tmp_path / "sandbox-slack.json").exists()
