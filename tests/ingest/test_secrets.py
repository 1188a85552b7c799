from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config
from pydantic import SecretStr

from bot.domain.models import AlertSource
from bot.ingest.secrets import (
    EnvSecretSource,
    SecretsManagerSecretSource,
    SecretsUnavailable,
    secrets_manager_client,
)
from bot.ingest.signatures import (
    SignatureVerifier,
    VerdictCode,
    check_generic,
    check_pagerduty,
    sign_generic,
    sign_pagerduty,
)
from bot.settings import Settings
from tests.conftest import AwsEndpoint
from tests.ingest.conftest import fixture_bytes

BODY = fixture_bytes("pagerduty_incident_triggered.json")


class RecordingClient:
    """Passes calls to the real (moto-served) client and remembers each secret read."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reads: list[str] = []

    def get_secret_value(self, *, SecretId: str) -> Any:  # noqa: N803
        self.reads.append(SecretId)
        return self.inner.get_secret_value(SecretId=SecretId)


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_env_source_reads_settings() -> None:
    settings = Settings(
        _env_file=None,
        marshal_secret_pagerduty=SecretStr("pd-secret"),
        marshal_secret_generic=SecretStr("  "),
    )
    secrets = EnvSecretSource(settings)
    assert secrets.secret_for(AlertSource.PAGERDUTY) == "pd-secret"
    assert secrets.secret_for(AlertSource.GENERIC) is None  # blank counts as not configured
    assert secrets.secret_for(AlertSource.GRAFANA) is None
    assert secrets.refresh(AlertSource.PAGERDUTY) is False


def test_env_source_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSHAL_SECRET_GRAFANA_ONCALL", "oncall-secret")
    secrets = EnvSecretSource(Settings(_env_file=None))
    assert secrets.secret_for(AlertSource.GRAFANA_ONCALL) == "oncall-secret"


@pytest.fixture
def secretsmanager(aws: AwsEndpoint) -> Any:
    client = secrets_manager_client("us-east-1")
    client.create_secret(Name="marshal/webhook/pagerduty", SecretString="first-secret")
    return client


def test_secrets_manager_rotation_without_restart(secretsmanager: Any) -> None:
    recording = RecordingClient(secretsmanager)
    clock = ManualClock()
    source = SecretsManagerSecretSource(recording, "marshal/", clock=clock)
    verifier = SignatureVerifier(AlertSource.PAGERDUTY, check_pagerduty, source)

    assert verifier.verify(sign_pagerduty("first-secret", BODY), BODY).ok
    assert recording.reads == ["marshal/webhook/pagerduty"]

    secretsmanager.put_secret_value(SecretId="marshal/webhook/pagerduty", SecretString="second")
    clock.now += 31  # past the refresh interval since the first read
    assert verifier.verify(sign_pagerduty("second", BODY), BODY).ok
    assert len(recording.reads) == 2
    assert source.secret_for(AlertSource.PAGERDUTY) == "second"


def test_a_flood_of_bad_signatures_reads_secrets_manager_at_most_once(
    secretsmanager: Any,
) -> None:
    recording = RecordingClient(secretsmanager)
    clock = ManualClock()
    source = SecretsManagerSecretSource(recording, "marshal/", clock=clock)
    verifier = SignatureVerifier(AlertSource.PAGERDUTY, check_pagerduty, source)
    assert verifier.verify(sign_pagerduty("first-secret", BODY), BODY).ok
    reads_before = len(recording.reads)
    clock.now += 60  # a refresh is allowed again

    verdicts = [verifier.verify(sign_pagerduty(f"guess-{i}", BODY), BODY) for i in range(100)]

    assert all(v.code is VerdictCode.MISMATCH for v in verdicts)
    assert len(recording.reads) - reads_before == 1


def test_missing_secret_disables_the_source(aws: AwsEndpoint) -> None:
    recording = RecordingClient(boto3.client("secretsmanager"))
    source = SecretsManagerSecretSource(recording, "marshal/", clock=ManualClock())
    verifier = SignatureVerifier(AlertSource.GENERIC, check_generic, source)
    verdict = verifier.verify(sign_generic("anything", BODY, 0), BODY)
    assert verdict.code is VerdictCode.DISABLED
    assert recording.reads == ["marshal/webhook/generic"]


def test_unreachable_secrets_manager_is_a_backend_error(aws: AwsEndpoint) -> None:
    client = boto3.client(
        "secretsmanager",
        endpoint_url="http://127.0.0.1:9",  # discard port: nothing listens
        config=Config(connect_timeout=1, retries={"max_attempts": 1}),
    )
    source = SecretsManagerSecretSource(client, "marshal/")
    with pytest.raises(SecretsUnavailable) as caught:
        source.secret_for(AlertSource.PAGERDUTY)
    assert "marshal/webhook/pagerduty" in str(caught.value)


def test_a_failed_refresh_keeps_serving_the_cached_secret(secretsmanager: Any) -> None:
    recording = RecordingClient(secretsmanager)
    clock = ManualClock()
    source = SecretsManagerSecretSource(recording, "marshal/", clock=clock)
    assert source.secret_for(AlertSource.PAGERDUTY) == "first-secret"
    recording.inner = boto3.client(  # Secrets Manager becomes unreachable
        "secretsmanager",
        endpoint_url="http://127.0.0.1:9",
        config=Config(connect_timeout=1, retries={"max_attempts": 1}),
    )
    clock.now += 31
    assert source.refresh(AlertSource.PAGERDUTY) is True
    assert source.secret_for(AlertSource.PAGERDUTY) == "first-secret"
    assert source.refresh(AlertSource.PAGERDUTY) is False  # and it waits before trying again
    assert len(recording.reads) == 2
