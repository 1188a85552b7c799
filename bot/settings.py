"""Settings from the environment and an optional `.env`, named exactly as DESIGN.md section 3.

The ~70 settings are declared in sections, one class each, in the order and under the headings
of .env.example: SlackSettings, StorageSettings, HttpSettings, SecretSettings, PolicySettings,
RhythmSettings and VendorSettings. `Settings` is all of them read from the environment: every
field keeps its flat name (the env name, lower-cased), so `settings.marshal_http_port` reads as
it always did, and code that needs one area can take that section's type instead.

A wrong value stops start-up with one line naming the variable (see `describe_error`).
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.durations import parse_duration as parse_duration  # noqa: PLC0414 (re-export)
from bot.domain.severity import Severity


def parse_severity_durations(text: str) -> dict[Severity, int]:
    """'P1=15m,P2=30m' -> {P1: 900, P2: 1800}."""
    result: dict[Severity, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise ValueError(f"{part!r} should look like P1=15m")
        sev, _, duration = part.partition("=")
        result[Severity.parse(sev)] = parse_duration(duration)
    return result


# What reminder texts may refer to; anything else in braces is refused at start-up.
REMINDER_PLACEHOLDERS = frozenset({"who", "title", "id", "age", "command"})


def _csv(value: object) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


class SlackMode(StrEnum):
    AUTO = "auto"  # real Slack when both tokens are set, else the sandbox
    REAL = "real"
    SANDBOX = "sandbox"


class SlackSettings(BaseModel):
    """Slack: tokens, API URL, the root command, the sandbox."""

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    marshal_command: str = "/marshal"
    marshal_slack_mode: SlackMode = SlackMode.AUTO
    marshal_sandbox_host: str = "127.0.0.1"
    marshal_sandbox_port: int = Field(default=8090, ge=0, le=65535)
    marshal_timeline_reaction: str = "pushpin"

    @field_validator("marshal_command")
    @classmethod
    def _command(cls, value: str) -> str:
        value = value.strip()
        if not re.fullmatch(r"/[a-z0-9_-]{1,31}", value):
            raise ValueError("must look like /marshal (a slash, then up to 31 of a-z 0-9 - _)")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"


class StorageSettings(BaseModel):
    """Storage and queue: the store and queue backends and their knobs."""

    marshal_store: Literal["sqlite", "dynamodb"] = "sqlite"
    marshal_db_path: Path = Path("var/marshal.db")
    marshal_queue: Literal["local", "sqs"] = "local"
    marshal_table_prefix: str = "marshal-"
    marshal_queue_url: str | None = None
    marshal_queue_max_receives: int = Field(default=5, ge=1, le=1000)
    # A received event stays hidden this long; the consumer's heartbeat renews it every third of
    # it while the handler runs. It is also how soon a crashed processor's events come back on SQS.
    marshal_queue_visibility_seconds: int = Field(default=60, ge=3, le=43200)
    aws_region: str = Field(default="us-east-1", alias="AWS_DEFAULT_REGION")


class HttpSettings(BaseModel):
    """HTTP: the webhook, health and metrics server."""

    marshal_http_host: str = "127.0.0.1"
    marshal_http_port: int = Field(default=8080, ge=0, le=65535)
    marshal_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Webhook requests handled at once (worker threads); the AWS clients' pools match it.
    marshal_http_threads: int = Field(default=40, ge=1, le=1000)
    # Open connections (idle ones too) before new requests are answered 503.
    marshal_http_max_connections: int = Field(default=512, ge=1, le=100_000)
    # Idle keep-alive connections are closed after this long.
    marshal_http_keep_alive_seconds: int = Field(default=5, ge=1, le=3600)
    # A request's headers (from connect or the previous answer) and, separately, its body must
    # arrive within this long: a slow header closes the connection, a slow body answers 408.
    marshal_http_read_timeout_seconds: float = Field(default=10.0, gt=0, le=3600)


class SecretSettings(BaseModel):
    """Webhook secrets, where secrets come from, and the audit chains' keys."""

    # Webhook secrets (and, with MARSHAL_SECRETS=secretsmanager, the Slack tokens too)
    marshal_secrets: Literal["env", "secretsmanager"] = "env"
    marshal_secrets_prefix: str = "marshal/"
    marshal_secret_grafana_oncall: SecretStr | None = None
    marshal_secret_grafana: SecretStr | None = None
    marshal_secret_alertmanager: SecretStr | None = None
    marshal_secret_pagerduty: SecretStr | None = None
    marshal_secret_generic: SecretStr | None = None

    # Audit chains' HMAC key (never stored with the data): the current key seals new events;
    # older keys (comma-separated) only verify events sealed before a rotation.
    marshal_audit_key: SecretStr | None = None
    marshal_audit_keys_previous: SecretStr | None = None


class PolicySettings(BaseModel):
    """People and policy: approvers, the two-person rule, channels, directory."""

    marshal_approvers: Annotated[list[str], NoDecode] = Field(default_factory=list)
    marshal_two_person_rule: Annotated[list[Severity], NoDecode] = Field(
        default_factory=lambda: [Severity.P1]
    )
    # How long a status-page publish whose process died holds its draft; a running publish
    # renews its claim every third of this (bot/gates/lease.py).
    marshal_publish_lease_seconds: int = Field(default=30, ge=3, le=3600)
    marshal_announce_channel: str | None = None
    marshal_triage_channel: str | None = None
    marshal_war_room_threshold: Severity = Severity.P2
    marshal_severity_map: str = ""
    marshal_directory_file: Path | None = None
    marshal_context_file: Path | None = None

    @field_validator("marshal_approvers", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> list[str]:
        return _csv(value)

    @field_validator("marshal_two_person_rule", mode="before")
    @classmethod
    def _two_person(cls, value: object) -> list[Severity]:
        if isinstance(value, bool):
            return list(Severity) if value else []
        text = ",".join(_csv(value)).lower()
        if text in {"true", "yes", "on", "1", "all"}:
            return list(Severity)
        if text in {"false", "no", "off", "0", "", "none"}:
            return []
        return [Severity.parse(s) for s in _csv(value)]

    @field_validator("marshal_war_room_threshold", mode="before")
    @classmethod
    def _threshold(cls, value: object) -> object:
        return Severity.parse(value) if isinstance(value, str) else value

    @field_validator("marshal_severity_map")
    @classmethod
    def _severity_map(cls, value: str) -> str:
        for part in filter(None, (p.strip() for p in value.split(","))):
            word, sep, severity = part.partition("=")
            if not sep or not word.strip():
                raise ValueError(f"{part!r} should look like critical=P1")
            Severity.parse(severity)
        return value


class RhythmSettings(BaseModel):
    """Rhythm and outputs: nudges, reminders, postmortems, archiving, logs."""

    marshal_nudge_interval: Annotated[dict[Severity, int], NoDecode] = Field(
        default_factory=lambda: {Severity.P1: 900, Severity.P2: 1800}
    )
    # Reminder delays in seconds, written as durations (5m, 48h) like the nudge interval.
    marshal_reminder_ic_unclaimed: int = Field(default=300, gt=0)
    marshal_reminder_postmortem_due: int = Field(default=48 * 3600, gt=0)
    marshal_reminder_inactive: int = Field(default=24 * 3600, gt=0)
    marshal_reminder_ic_unclaimed_text: str = (
        "No incident commander yet, {age} after the war room opened. {who}: one of you, "
        "claim it with `{command} role ic`."
    )
    marshal_reminder_postmortem_due_text: str = (
        "The postmortem for *{title}* was due {age} after resolve and is not marked done. "
        "{who}: please finish it, then mark it with `{command} postmortem done {id}`."
    )
    marshal_reminder_inactive_text: str = (
        "*{title}* is still open but nothing happened here for {age}. {who}: post an update, "
        "or resolve it with `{command} resolve` if it is over."
    )
    marshal_postmortem_dir: Path = Path("postmortems")
    marshal_auto_resolve: bool = False
    marshal_archive_on_resolve: bool = True
    marshal_service_repos: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    marshal_log_level: str = "INFO"

    @field_validator("marshal_service_repos", mode="before")
    @classmethod
    def _repos(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        repos: dict[str, str] = {}
        for part in _csv(value):
            service, _, repo = part.partition("=")
            if not service.strip() or not re.fullmatch(r"[\w.-]+/[\w.-]+", repo.strip()):
                raise ValueError(f"{part!r} should look like checkout-api=org/checkout")
            repos[service.strip()] = repo.strip()
        return repos

    @field_validator("marshal_nudge_interval", mode="before")
    @classmethod
    def _nudges(cls, value: object) -> object:
        return parse_severity_durations(value) if isinstance(value, str) else value

    @field_validator(
        "marshal_reminder_ic_unclaimed",
        "marshal_reminder_postmortem_due",
        "marshal_reminder_inactive",
        mode="before",
    )
    @classmethod
    def _reminder_duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator(
        "marshal_reminder_ic_unclaimed_text",
        "marshal_reminder_postmortem_due_text",
        "marshal_reminder_inactive_text",
    )
    @classmethod
    def _reminder_text(cls, value: str) -> str:
        unknown = set(re.findall(r"{(\w*)}", value)) - REMINDER_PLACEHOLDERS
        if unknown:
            names = ", ".join(f"{{{n}}}" for n in sorted(REMINDER_PLACEHOLDERS))
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; use {names}")
        return value

    def nudge_seconds(self, severity: Severity) -> int | None:
        return self.marshal_nudge_interval.get(severity)


class VendorSettings(BaseModel):
    """Vendors: status page, tracker, language model, GitHub."""

    statuspage_api_url: str = "https://api.statuspage.io/v1/"
    statuspage_api_key: SecretStr | None = None
    statuspage_page_id: str | None = None
    linear_api_url: str = "https://api.linear.app/graphql"
    linear_api_key: SecretStr | None = None
    linear_team_id: str | None = None
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    marshal_llm: Literal["auto", "anthropic", "bedrock", "off"] = "auto"
    marshal_llm_light_model: str = "claude-haiku-4-5"
    marshal_llm_model: str = "claude-sonnet-4-6"
    github_api_url: str = "https://api.github.com"
    github_token: SecretStr | None = None


class Settings(
    SlackSettings,
    StorageSettings,
    HttpSettings,
    SecretSettings,
    PolicySettings,
    RhythmSettings,
    VendorSettings,
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
