"""Vendor settings: status page, tracker, language model, GitHub."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, SecretStr


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
