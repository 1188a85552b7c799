"""bot/wiring/listen.py: the ports are bound first, and a taken one names itself and its setting."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.wiring.listen import PortUnavailable, bind_listeners, bind_port


def _settings(tmp_path: Path, **values: object) -> Settings:
    defaults: dict[str, object] = {"marshal_http_port": 0, "marshal_sandbox_port": 0}
    return Settings(_env_file=None, marshal_db_path=tmp_path / "m.db", **{**defaults, **values})  # type: ignore[arg-type]


def test_each_part_binds_only_its_own_ports(tmp_path: Path) -> None:
    up = bind_listeners(_settings(tmp_path), "up")
    webhook = bind_listeners(_settings(tmp_path), "webhook")
    real = bind_listeners(
        _settings(tmp_path, slack_bot_token="xoxb-1", slack_app_token="xapp-1"), "processor"
    )
    try:
        assert up.web is not None and up.sandbox is not None
        assert up.web.getsockname()[1] != up.sandbox.getsockname()[1]
        assert webhook.web is not None and webhook.sandbox is None
        assert real.web is None and real.sandbox is None  # real Slack: no sandbox port
    finally:
        for listeners in (up, webhook, real):
            listeners.close()


def test_a_taken_port_names_the_port_and_the_setting_and_releases_the_others(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = _settings(tmp_path, marshal_sandbox_port=port)
        with pytest.raises(PortUnavailable) as refused:
            bind_listeners(settings, "up")
    assert str(refused.value) == (
        f"port {port} on 127.0.0.1 (MARSHAL_SANDBOX_PORT) is in use: stop what listens there "
        "or set MARSHAL_SANDBOX_PORT to a free port"
    )


def test_an_address_that_cannot_be_bound_says_so() -> None:
    with pytest.raises(PortUnavailable) as refused:
        bind_port("192.0.2.1", 0, "MARSHAL_HTTP_PORT")  # TEST-NET: not an address of this host
    assert str(refused.value).startswith("cannot listen on 192.0.2.1 port 0 (MARSHAL_HTTP_PORT)")
