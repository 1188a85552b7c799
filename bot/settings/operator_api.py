"""Operator API settings: the /api/v1 endpoints and the MCP server (bot/web/api, bot/mcp)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr


class OperatorApiSettings(BaseModel):
    """The operator API's limits."""

    # Requests a minute per API token (a token bucket with that many at once); past it, 429.
    marshal_api_rate_limit: int = Field(default=600, ge=1)
    # The API token `marshal mcp` acts with over stdio (agents' actions: agent:<token name>).
    marshal_api_token: SecretStr | None = None
