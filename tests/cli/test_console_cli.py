"""`marshal console login-link`: prints a link the running console accepts, once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main
from tests.console.conftest import csrf_of, start_console


def test_the_printed_link_signs_in_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    group, console = start_console(tmp_path)
    try:
        monkeypatch.setenv("MARSHAL_DB_PATH", str(console.settings.marshal_db_path))
        monkeypatch.setenv("MARSHAL_AUDIT_KEY", "web-tests-audit-key")
        monkeypatch.setenv("MARSHAL_CONSOLE_URL", f"{console.url}/console/")
        assert main(["console", "login-link", "--user", "U0DANA", "--expires", "5m", "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed["user"] == "U0DANA" and printed["expires_in_seconds"] == 300
        path = printed["url"].removeprefix(console.url)
        assert path.startswith("/console/login/")
        client = console.client()
        page = client.get(path)
        assert "Sign in as U0DANA" in page.text
        assert client.post(path, data={"csrf_token": csrf_of(page.text)}).status_code == 303
        assert "U0DANA" in client.get("/console/").text
    finally:
        console.close()
        group.stop()


def test_an_expiry_past_a_day_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["console", "login-link", "--user", "U0DANA", "--expires", "2d"])
    assert exit_.value.code == 2
    assert "at most 24h" in capsys.readouterr().err
