"""Settings from the environment and an optional `.env`, named exactly as DESIGN.md section 3.

The settings are declared in sections, one class in one module each, in the order and under
the headings of .env.example: SlackSettings, StorageSettings, HttpSettings, SecretSettings,
PolicySettings, RhythmSettings, VendorSettings, then the second wave's PagingSettings,
RunbookSettings, FollowupSettings, ConsoleSettings and OperatorApiSettings. `Settings` is all
of them read from the environment: every field keeps its flat name (the env name, lower-cased), so
`settings.marshal_http_port` reads as it always did, and code that needs one area can take that
section's type instead. A new area is a new module here and one base class of `Settings`.

A wrong value stops start-up with one line naming the variable (see `describe_error`).
"""

from __future__ import annotations

from pydantic import ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.durations import parse_duration as parse_duration
from bot.settings.console import ConsoleSettings
from bot.settings.followups import FollowupSettings
from bot.settings.http_server import HttpSettings
from bot.settings.operator_api import OperatorApiSettings
from bot.settings.paging import PagingSettings
from bot.settings.parsing import parse_severity_durations as parse_severity_durations
from bot.settings.policy import PolicySettings
from bot.settings.rhythm import RhythmSettings
from bot.settings.runbooks import RunbookSettings
from bot.settings.secret_sources import SecretSettings
from bot.settings.slack import SlackMode, SlackSettings
from bot.settings.storage import StorageSettings
from bot.settings.vendors import VendorSettings

__all__ = [
    "ConsoleSettings",
    "FollowupSettings",
    "HttpSettings",
    "PagingSettings",
    "PolicySettings",
    "RhythmSettings",
    "RunbookSettings",
    "SecretSettings",
    "Settings",
    "SlackMode",
    "SlackSettings",
    "StorageSettings",
    "VendorSettings",
    "describe_error",
    "load_settings",
]


class Settings(
    SlackSettings,
    StorageSettings,
    HttpSettings,
    SecretSettings,
    PolicySettings,
    RhythmSettings,
    VendorSettings,
    PagingSettings,
    RunbookSettings,
    FollowupSettings,
    ConsoleSettings,
    OperatorApiSettings,
    BaseSettings,
):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # a copied .env.example with blank values means "unset"
        case_sensitive=False,
        validate_default=True,
    )

    @model_validator(mode="after")
    def _slack_tokens(self) -> Settings:
        wants_real = self.marshal_slack_mode is SlackMode.REAL or (
            self.marshal_slack_mode is SlackMode.AUTO
            and (self.slack_bot_token is not None or self.slack_app_token is not None)
        )
        if wants_real and not self.slack_tokens_from_secrets_manager:
            for name in ("slack_bot_token", "slack_app_token"):
                if getattr(self, name) is None:
                    raise ValueError(
                        f"{name.upper()} is required to connect to real Slack "
                        "(set both SLACK_BOT_TOKEN and SLACK_APP_TOKEN, or neither for the sandbox)"
                    )
        if self.marshal_queue == "sqs" and not self.marshal_queue_url:
            raise ValueError("MARSHAL_QUEUE_URL is required when MARSHAL_QUEUE=sqs")
        return self

    @property
    def slack_tokens_from_secrets_manager(self) -> bool:
        """Real Slack with tokens read from Secrets Manager: MARSHAL_SECRETS=secretsmanager and
        the tokens not set in the environment (tokens set there win)."""
        return (
            self.marshal_secrets == "secretsmanager"
            and self.marshal_slack_mode is not SlackMode.SANDBOX
            and self.slack_bot_token is None
            and self.slack_app_token is None
        )

    @property
    def uses_sandbox(self) -> bool:
        if self.marshal_slack_mode is SlackMode.SANDBOX:
            return True
        # With secrets in Secrets Manager, a deployment never falls back to the sandbox.
        return (
            self.marshal_slack_mode is SlackMode.AUTO
            and self.slack_bot_token is None
            and self.marshal_secrets != "secretsmanager"
        )


def describe_error(error: ValidationError) -> str:
    """One line naming the variable: 'MARSHAL_HTTP_PORT: Input should be a valid integer'."""
    first = error.errors()[0]
    location = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
    message = first.get("msg", "invalid value").removeprefix("Value error, ")
    if location:
        return f"{location.upper()}: {message}"
    return message


def load_settings() -> Settings:
    return Settings()
