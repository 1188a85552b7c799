"""MARSHAL_SECRETS picks where webhook secrets and Slack tokens come from; Secrets Manager
runs in moto's server over HTTP."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from pydantic import ValidationError

from bot.domain.errors import ConfigurationError
from bot.domain.models import AlertSource
from bot.ingest.secrets import EnvSecretSource, SecretsManagerSecretSource, SecretsUnavailable
from bot.settings import Settings
from bot.wiring.process import ProcessGroup
from bot.wiring.secrets import build_secret_source, slack_tokens_from_secrets_manager
from bot.wiring.slack_target import start_slack_target
from tests.conftest import AwsEndpoint


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)


def put(name: str, value: str) -> None:
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name=name, SecretString=value
    )


def test_env_is_the_default_source() -> None:
    chosen = build_secret_source(settings(marshal_secret_generic="from-env"))
    assert isinstance(chosen, EnvSecretSource)
    assert chosen.secret_for(AlertSource.GENERIC) == "from-env"


def test_secretsmanager_reads_prefixed_webhook_secrets_not_the_environment(
    aws: AwsEndpoint,
) -> None:
    put("team-a/webhook/generic", "from-secrets-manager")
    chosen = build_secret_source(
        settings(
            marshal_secrets="secretsmanager",
            marshal_secrets_prefix="team-a/",
            marshal_secret_generic="from-env",
        )
    )
    assert isinstance(chosen, SecretsManagerSecretSource)
    assert chosen.secret_for(AlertSource.GENERIC) == "from-secrets-manager"
    assert chosen.secret_for(AlertSource.PAGERDUTY) is None


def test_slack_tokens_come_from_secrets_manager(aws: AwsEndpoint) -> None:
    put("marshal/slack/bot-token", "xoxb-from-sm\n")
    put("marshal/slack/app-token", "xapp-from-sm")
    configured = settings(marshal_secrets="secretsmanager")
    assert configured.slack_tokens_from_secrets_manager
    assert not configured.uses_sandbox

    target = start_slack_target(ProcessGroup(), configured)

    assert (target.bot_token, target.app_token) == ("xoxb-from-sm", "xapp-from-sm")
    assert target.sandbox_url is None


def test_a_missing_slack_secret_stops_start_up_naming_it(aws: AwsEndpoint) -> None:
    put("marshal/slack/bot-token", "xoxb-from-sm")
    with pytest.raises(ConfigurationError, match="marshal/slack/app-token"):
        slack_tokens_from_secrets_manager(settings(marshal_secrets="secretsmanager"))


def test_an_empty_slack_secret_stops_start_up(aws: AwsEndpoint) -> None:
    put("marshal/slack/bot-token", "  ")
    with pytest.raises(ConfigurationError, match="marshal/slack/bot-token is empty"):
        slack_tokens_from_secrets_manager(settings(marshal_secrets="secretsmanager"))


def test_unreachable_secrets_manager_is_a_backend_outage(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on discard
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with pytest.raises(SecretsUnavailable, match="marshal/slack/bot-token"):
        slack_tokens_from_secrets_manager(settings(marshal_secrets="secretsmanager"))


def test_tokens_in_the_environment_win_over_secrets_manager() -> None:
    configured = settings(
        marshal_secrets="secretsmanager", slack_bot_token="xoxb-env", slack_app_token="xapp-env"
    )
    assert not configured.slack_tokens_from_secrets_manager
    assert not configured.uses_sandbox


def test_sandbox_mode_still_means_the_sandbox_with_secrets_manager() -> None:
    configured = settings(marshal_secrets="secretsmanager", marshal_slack_mode="sandbox")
    assert configured.uses_sandbox
    assert not configured.slack_tokens_from_secrets_manager


def test_real_mode_without_tokens_is_valid_only_with_secrets_manager() -> None:
    assert settings(marshal_secrets="secretsmanager", marshal_slack_mode="real")
    with pytest.raises(ValidationError, match="SLACK_BOT_TOKEN is required"):
        settings(marshal_slack_mode="real")


def test_unknown_secrets_backend_is_refused() -> None:
    with pytest.raises(ValidationError, match="marshal_secrets"):
        settings(marshal_secrets="vault")
