"""A running web server with the console (real uvicorn, SQLite store, local queue) and a
browser-like HTTP client that keeps the session cookie."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest

from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.settings import Settings
from bot.web.console.login_links import LoginLinkSigner, console_secret
from bot.wiring.audit_keys import audit_keyring
from bot.wiring.backends import Backends, open_backends
from bot.wiring.ingress import start_web
from bot.wiring.process import ProcessGroup
from tests.web.conftest import ingress_settings

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


_ROW_TITLES = re.compile(r'<a href="/console/incidents/[^"]+">([^<]*)</a>')


def titles(html: str) -> list[str]:
    """The incident titles of a queue page, in order."""
    return _ROW_TITLES.findall(html)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Console:
    url: str  # the server's base, without /console
    settings: Settings
    backends: Backends
    clients: list[httpx2.Client] = field(default_factory=list)

    def client(self) -> httpx2.Client:
        client = httpx2.Client(base_url=self.url, follow_redirects=False, timeout=10)
        self.clients.append(client)
        return client

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def login_token(self, user: str = "U0ALICE", ttl: int = 600) -> str:
        signer = LoginLinkSigner(console_secret(audit_keyring(self.settings)))
        return signer.issue(user, ttl_seconds=ttl)

    def signed_in(self, user: str = "U0ALICE") -> httpx2.Client:
        client = self.client()
        token = self.login_token(user)
        page = client.get(f"/console/login/{token}")
        assert page.status_code == 200, page.text
        answer = client.post(f"/console/login/{token}", data={"csrf_token": csrf_of(page.text)})
        assert answer.status_code == 303, answer.text
        return client

    def incident(self, **fields: Any) -> Incident:
        values: dict[str, Any] = {
            "source": AlertSource.GENERIC,
            "group_key": f"g-{fields.get('title', 'x')}-{len(fields)}",
            "title": "Checkout is down",
            "severity": Severity.P1,
            **fields,
        }
        values.setdefault("group_key", values["title"])
        created, _ = self.backends.store.create_if_absent(Incident(**values))
        return created


def start_console(tmp_path: Path, **overrides: Any) -> tuple[ProcessGroup, Console]:
    settings = ingress_settings(tmp_path, **overrides)
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    server = start_web(group, settings, backends)
    return group, Console(server.url, settings, backends)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    group, rig = start_console(tmp_path)
    try:
        yield rig
    finally:
        rig.close()
        group.stop()
