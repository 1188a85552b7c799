"""Shared fixtures: isolated environment, moto's server over real HTTP for AWS backends, and the
sandbox Slack over real sockets."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from moto.server import ThreadedMotoServer

from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.wiring.dynamodb import ensure_dynamodb_tables
from tests.fakes.moto import per_item_transactions

pytest_plugins = ["pytester"]  # tests that run a tiny suite of their own (fixture lifetimes)


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """No test sees the developer's Slack tokens, AWS profile or marshal settings."""
    for key in list(os.environ):
        if key.startswith(("MARSHAL_", "SLACK_", "AWS_", "STATUSPAGE_", "LINEAR_", "ANTHROPIC_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@dataclass(frozen=True)
class AwsEndpoint:
    url: str

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200


@pytest.fixture(scope="session")
def moto_server() -> Iterator[AwsEndpoint]:
    # Cancelled transactions restore their own items, not whole tables (see the module), so
    # concurrent clients no longer lose each other's writes inside moto, and a transaction
    # costs per item rather than per table: the AWS tests stop slowing down as tables grow.
    per_item_transactions()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield AwsEndpoint(url=f"http://{host}:{port}")
    server.stop()


@pytest.fixture
def aws(moto_server: AwsEndpoint, monkeypatch: pytest.MonkeyPatch) -> AwsEndpoint:
    """A clean moto account, with boto3 pointed at it through its own AWS_ENDPOINT_URL."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return moto_server


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxSlack]:
    """A running sandbox Slack on a random port, one per test module (state persists across the
    module's tests: use fresh channel names, or call `sandbox.reset()`)."""
    slack = SandboxSlack().start()
    yield slack
    slack.stop()


def dynamodb_settings(monkeypatch: pytest.MonkeyPatch, prefix: str) -> Settings:
    """Settings for MARSHAL_STORE=dynamodb under `prefix` (with the audit key that store
    requires) in the current moto account, its tables created."""
    monkeypatch.setenv("MARSHAL_STORE", "dynamodb")
    monkeypatch.setenv("MARSHAL_TABLE_PREFIX", prefix)
    monkeypatch.setenv("MARSHAL_AUDIT_KEY", f"{prefix}audit-key-0123456789abcdef")
    settings = Settings()
    ensure_dynamodb_tables(settings)
    return settings


def slack_env(slack: SandboxSlack) -> dict[str, str]:
    """SLACK_BOT_TOKEN, SLACK_APP_TOKEN and SLACK_API_URL pointing marshal at `slack`."""
    return {
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_APP_TOKEN": slack.app_token,
        "SLACK_API_URL": slack.api_url,
    }


@pytest.fixture
def sandbox_env(sandbox: SandboxSlack, monkeypatch: pytest.MonkeyPatch) -> SandboxSlack:
    """The module's sandbox, with the Slack settings of `slack_env` set to it."""
    for name, value in slack_env(sandbox).items():
        monkeypatch.setenv(name, value)
    return sandbox
