"""Slack settings: tokens, API URL, the root command, the sandbox."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, Field, SecretStr, field_validator


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
