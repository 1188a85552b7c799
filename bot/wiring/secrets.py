"""Where secrets come from (MARSHAL_SECRETS=env|secretsmanager): the webhook SecretSource and,
for the processor, the Slack tokens.

Secrets Manager names, under MARSHAL_SECRETS_PREFIX (default `marshal/`), are the ones
infra/cloudformation.yaml creates: `<prefix>webhook/<source>` for each webhook source,
`<prefix>slack/bot-token` and `<prefix>slack/app-token`; each SecretString is the value itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from bot.domain.errors import ConfigurationError
from bot.ingest.secrets import (
    EnvSecretSource,
    SecretsManagerSecretSource,
    SecretSource,
    SecretsUnavailable,
    SecretValueReader,
    secrets_manager_client,
)
from bot.settings import Settings

# Secret names under the prefix, not secrets.
SLACK_BOT_TOKEN_NAME = "slack/bot-token"  # noqa: S105
SLACK_APP_TOKEN_NAME = "slack/app-token"  # noqa: S105


@dataclass(frozen=True)
class SlackTokens:
    bot_token: str
    app_token: str


def build_secret_source(settings: Settings) -> SecretSource:
    """The webhook secrets the settings name; Secrets Manager is read lazily, per source."""
    if settings.marshal_secrets == "secretsmanager":
        return SecretsManagerSecretSource(
            secrets_manager_client(settings.aws_region), settings.marshal_secrets_prefix
        )
    return EnvSecretSource(settings)


def slack_tokens_from_secrets_manager(
    settings: Settings, client: SecretValueReader | None = None
) -> SlackTokens:
    """Read both Slack tokens once, at start-up; a missing or empty one stops start-up."""
    reader = client or secrets_manager_client(settings.aws_region)
    prefix = settings.marshal_secrets_prefix
    return SlackTokens(
        bot_token=_read(reader, f"{prefix}{SLACK_BOT_TOKEN_NAME}"),
        app_token=_read(reader, f"{prefix}{SLACK_APP_TOKEN_NAME}"),
    )


def _read(reader: SecretValueReader, secret_id: str) -> str:
    try:
        value = reader.get_secret_value(SecretId=secret_id).get("SecretString")
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        if code == "ResourceNotFoundException":
            raise ConfigurationError(
                f"Secrets Manager has no secret {secret_id} (MARSHAL_SECRETS=secretsmanager)"
            ) from exc
        raise SecretsUnavailable(f"cannot read secret {secret_id} ({code})") from exc
    except BotoCoreError as exc:
        raise SecretsUnavailable(f"cannot read secret {secret_id} ({type(exc).__name__})") from exc
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"secret {secret_id} is empty; put the Slack token in it")
    return value.strip()
