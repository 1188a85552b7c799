"""Ports of the operator API's own records: its tokens (hashed) and its idempotency records.

Both adapters (SQLite, DynamoDB) pass one contract suite (tests/contract/test_api_tokens.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain.api_tokens import ApiToken, IdempotencyRecord


class ApiTokens(Protocol):
    def add(self, token: ApiToken) -> None: ...

    def get(self, token_id: str) -> ApiToken | None:
        """Strongly consistent, so a revoke holds at once."""

    def list_tokens(self) -> list[ApiToken]:
        """Every token, revoked ones too, oldest first."""

    def revoke(self, token_id: str, at: datetime) -> ApiToken | None:
        """Mark revoked (once; a second revoke keeps the first time); None when unknown."""


class IdempotencyRecords(Protocol):
    def begin(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Store `record` (in progress) unless its key has a live record: None when stored,
        else the existing record (expired ones are replaced)."""

    def complete(self, key: str, status_code: int, body: str) -> None:
        """Record the answer given to the request that began under `key`."""

    def release(self, key: str) -> None:
        """Forget an in-progress record whose request failed, so the client may retry."""
