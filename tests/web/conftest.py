"""A running ingress (real uvicorn server, real SQLite store and local queue) per test."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.ingest.catalog import CATALOG
from bot.settings import Settings
from bot.wiring.backends import Backends, open_backends
from bot.wiring.ingress import start_web
from bot.wiring.process import ProcessGroup

FIXTURES = Path(__file__).parent.parent / "fixtures" / "webhooks"
SECRETS = {
    "grafana-oncall": "oncall-secret",
    "alertmanager": "am-secret",
    "grafana": "grafana-secret",
    "pagerduty": "pd-secret",
    "generic": "generic-secret",
}


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Ingress:
    url: str
    backends: Backends

    def request(
        self, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        request = urllib.request.Request(
            self.url + path,
            data=body,
            method="POST" if body is not None else "GET",
            headers=headers or {},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                status, got = response.status, {k.lower(): v for k, v in response.headers.items()}
        except urllib.error.HTTPError as exc:
            raw, status, got = exc.read(), exc.code, dict(exc.headers)
        got = {k.lower(): v for k, v in got.items()}
        try:
            parsed = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            parsed = {"text": raw.decode()}
        return Answer(status, parsed, got)

    def post(self, source: str, body: bytes, *, signed: bool = True, **extra: str) -> Answer:
        headers = {"Content-Type": "application/json", **extra}
        if signed:
            headers.update(CATALOG[source].sign(SECRETS[source], body, int(time.time())))
        return self.request(f"/webhooks/{source}", body, headers)


# One "now" per test session: a fixture posted twice must stay byte-identical (a re-send).
DELIVERED_AT = datetime.now(UTC).replace(microsecond=0)


def fixture_body(name: str, *, delivered_at: datetime | None = None) -> bytes:
    """A fixture as its sender would deliver it now: PagerDuty's and Grafana OnCall's own
    event times are restamped, since marshal refuses events older than its replay window."""
    raw = (FIXTURES / f"{name}.json").read_bytes()
    body = json.loads(raw)
    event = body.get("event") if isinstance(body, dict) else None
    if not isinstance(event, dict) or not ({"occurred_at", "time"} & event.keys()):
        return raw
    stamp = (delivered_at or DELIVERED_AT).isoformat()
    event.update({key: stamp for key in ("occurred_at", "time") if key in event})
    return json.dumps(body).encode()


def ingress_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "marshal_db_path": tmp_path / "marshal.db",
        "marshal_http_port": 0,
        # a DynamoDB store refuses to start without the audit chains' key
        "marshal_audit_key": "web-tests-audit-key",
        **{f"marshal_secret_{k.replace('-', '_')}": v for k, v in SECRETS.items()},
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture
def backends(tmp_path: Path) -> Iterator[Backends]:
    """The ingress settings' backends (SQLite and the local queue), opened in-process."""
    opened = open_backends(ingress_settings(tmp_path))
    yield opened
    opened.close()


def sqlite_database(backends: Backends) -> SqliteDatabase:
    assert isinstance(backends.store, SqliteIncidentStore)
    return backends.store.database


@pytest.fixture
def ingress(tmp_path: Path) -> Iterator[Ingress]:
    settings = ingress_settings(tmp_path)
    group = ProcessGroup()
    backends = open_backends(settings)
    group.started("backends", backends.close)
    try:
        server = start_web(group, settings, backends)
        yield Ingress(server.url, backends)
    finally:
        group.stop()
