"""The operator API over real HTTP: a running web server on a temp SQLite store with real
tokens; `api_up` adds the processor (sandbox Slack over sockets, queue consumer) so writes
go through the same command registry Slack uses, as in `marshal up`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.domain.api_tokens import TokenScope
from bot.domain.models import Alert, AlertSource, AlertStatus
from bot.domain.severity import Severity
from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.wiring.backends import Backends, open_backends
from bot.wiring.ingress import build_intake, start_web
from bot.wiring.operator_api import build_token_authority
from bot.wiring.process import ProcessGroup
from bot.wiring.processor import start_processor
from bot.wiring.write_side import writing_side
from tests.conftest import slack_env


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


@dataclass
class Api:
    url: str
    settings: Settings
    backends: Backends
    read_token: str
    write_token: str

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        key: str | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if key:
            sent["Idempotency-Key"] = key
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if method == "POST" and data is None:
            data = b"{}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                payload, status, got = response.read(), response.status, response.headers
        except urllib.error.HTTPError as exc:
            payload, status, got = exc.read(), exc.code, exc.headers
        return Answer(status, json.loads(payload), {k.lower(): v for k, v in got.items()})

    def get(self, path: str, *, token: str | None = None) -> Answer:
        return self.call("GET", path, token=token or self.read_token)

    def post(self, path: str, body: Any, *, key: str, token: str | None = None) -> Answer:
        return self.call("POST", path, body, token=token or self.write_token, key=key)

    def alert(self, title: str, *, severity: Severity = Severity.P2, group: str = "") -> str:
        """An incident opened through the webhook intake, as an alert would; its id."""
        alert = Alert(
            source=AlertSource.GENERIC,
            external_id=f"ext-{title}",
            group_key=group or f"grp-{title}",
            status=AlertStatus.FIRING,
            title=title,
            severity=severity,
        )
        accepted = build_intake(self.settings, self.backends).submit(alert)
        assert accepted is not None
        return accepted.incident.id


def api_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        _env_file=None,
        marshal_db_path=tmp_path / "marshal.db",
        marshal_http_port=0,
        marshal_audit_key="api-tests-audit-key",
        **overrides,
    )


def tokens(settings: Settings, backends: Backends) -> tuple[str, str]:
    authority = build_token_authority(settings, backends.audit)
    read = authority.create("reader", TokenScope.READ, by="cli:test").text
    write = authority.create("writer", TokenScope.WRITE, by="cli:test").text
    return read, write


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    """The web server alone (`marshal webhook`): reads, and writes answering 503."""
    settings = api_settings(tmp_path)
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    try:
        server = start_web(group, settings, backends)
        yield Api(server.url, settings, backends, *tokens(settings, backends))
    finally:
        group.stop()


@pytest.fixture
def api_webhook(sandbox: SandboxSlack, tmp_path: Path) -> Iterator[Api]:
    """`marshal webhook` alone with Slack settings: writes on its own Slack client."""
    env = slack_env(sandbox)
    settings = api_settings(
        tmp_path,
        slack_bot_token=env["SLACK_BOT_TOKEN"],
        slack_app_token=env["SLACK_APP_TOKEN"],
        slack_api_url=env["SLACK_API_URL"],
    )
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    try:
        server = start_web(group, settings, backends, writes=writing_side(settings, backends))
        yield Api(server.url, settings, backends, *tokens(settings, backends))
    finally:
        group.stop()


@pytest.fixture
def api_up(sandbox_env: SandboxSlack, tmp_path: Path) -> Iterator[Api]:
    """Web server and processor in one process, as `marshal up` runs them."""
    settings = api_settings(tmp_path)
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    try:
        processor = start_processor(group, settings, backends)
        server = start_web(group, settings, backends, writes=processor.writes)
        yield Api(server.url, settings, backends, *tokens(settings, backends))
    finally:
        group.stop()
