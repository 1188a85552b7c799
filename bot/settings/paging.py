"""Paging settings: the escalation file, which severities page, and the pager vendors' APIs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from bot.domain.severity import Severity
from bot.settings.parsing import csv_list


class PagingSettings(BaseModel):
    """Paging and escalation (DESIGN.md section 3b)."""

    marshal_escalation_file: Path | None = None
    marshal_page_severities: Annotated[list[Severity], NoDecode] = Field(
        default_factory=lambda: [Severity.P1, Severity.P2]
    )
    pagerduty_events_url: str = "https://events.pagerduty.com/v2/enqueue"
    pagerduty_api_url: str = "https://api.pagerduty.com"
    pagerduty_api_token: SecretStr | None = None
    pagerduty_from: str | None = None
    opsgenie_api_url: str = "https://api.opsgenie.com"
    opsgenie_api_key: SecretStr | None = None
    grafana_oncall_api_url: str | None = None
    grafana_oncall_api_token: SecretStr | None = None

    @field_validator("marshal_page_severities", mode="before")
    @classmethod
    def _severities(cls, value: object) -> object:
        if isinstance(value, str):
            return [Severity.parse(s) for s in csv_list(value)]
        return value
