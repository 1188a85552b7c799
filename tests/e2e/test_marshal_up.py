"""The whole product in one process, as a user (or the black-box suite) starts it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import MarshalProcess
from tests.web.conftest import Ingress, fixture_body


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
    result = subprocess.run(
        [sys.executable, "-m", "bot", "up"],
        env={"PATH": "/usr/bin:/bin", "MARSHAL_HTTP_PORT": "eighty", "HOME": str(tmp_path)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
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
