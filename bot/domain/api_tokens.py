"""API tokens and idempotency records: what the operator API (HTTP and MCP) authenticates
with and how it remembers the first answer to each write.

A token is shown once, when it is created, and only its SHA-256 is stored: tokens are 32
random bytes, so a plain hash cannot be guessed back, and a stolen store grants nothing.
The text is `marshal_<id>_<secret>`: the id finds the record in one read, the hash decides.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from bot.domain.ids import new_id
from bot.domain.models import utcnow

TOKEN_PREFIX = "marshal_"  # noqa: S105 - a prefix, not a secret
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_TOKEN = re.compile(r"^marshal_(tok-[0-9a-z]{15})_([A-Za-z0-9_-]{43})$")


class TokenScope(StrEnum):
    READ = "read"
    WRITE = "write"

    def allows(self, needed: TokenScope) -> bool:
        return self is TokenScope.WRITE or needed is TokenScope.READ


class ApiToken(BaseModel):
    id: str
    name: str
    scope: TokenScope
    token_sha256: str = Field(repr=False)
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def matches(self, token: str) -> bool:
        return hmac.compare_digest(self.token_sha256, token_sha256(token))


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def valid_name(name: str) -> bool:
    return bool(NAME_PATTERN.match(name))


def mint_token(name: str, scope: TokenScope, *, at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token record and the token text (to show once; never stored)."""
    if not valid_name(name):
        raise ValueError(
            "a token name is 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    token_id = new_id("tok")
    text = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    record = ApiToken(
        id=token_id,
        name=name,
        scope=scope,
        token_sha256=token_sha256(text),
        created_at=at or utcnow(),
    )
    return record, text


def token_id_of(token: str) -> str | None:
    """The record id a presented token names; None when it is not one of ours."""
    match = _TOKEN.match(token)
    return match.group(1) if match else None


class IdempotencyState(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class IdempotencyRecord(BaseModel):
    """The first request made with one Idempotency-Key (per token) and, once done, its answer.

    `request_sha256` covers the method, path and body: the same key with another request is
    refused rather than answered with a response that belongs to something else."""

    key: str = Field(description="token id + ':' + the client's Idempotency-Key")
    request_sha256: str
    state: IdempotencyState = IdempotencyState.IN_PROGRESS
    status_code: int | None = None
    body: str | None = None
    created_at: datetime
    expires_at: datetime
