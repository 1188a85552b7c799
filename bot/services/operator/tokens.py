"""TokenAuthority: creates, lists, revokes and checks the operator API's tokens.

Creation and revocation are audited on the workspace chain (the token's name and scope, never
its text). `authenticate` answers why a token was refused, so the API's 401 can say so; the
presented text is never logged or stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.api_tokens import ApiToken, TokenScope, mint_token, token_id_of
from bot.domain.audit import AuditAction
from bot.domain.errors import MarshalError
from bot.domain.models import utcnow
from bot.ports.api_tokens import ApiTokens
from bot.ports.audit import AuditLog

WORKSPACE_CHAIN = "workspace"  # the chain of actions that belong to no incident


class TokenRefused(MarshalError):
    """The token is missing, unknown, malformed or revoked; the message says which."""


@dataclass(frozen=True)
class CreatedToken:
    record: ApiToken
    text: str  # shown once, never stored


class TokenAuthority:
    def __init__(
        self, tokens: ApiTokens, audit: AuditLog, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._tokens = tokens
        self._audit = audit
        self._clock = clock

    def create(self, name: str, scope: TokenScope, *, by: str) -> CreatedToken:
        if any(t.name == name and t.active for t in self._tokens.list_tokens()):
            raise ValueError(f"an active token named {name!r} exists; revoke it first")
        record, text = mint_token(name, scope, at=self._clock())
        self._tokens.add(record)
        self._audit.append(
            WORKSPACE_CHAIN,
            actor=by,
            action=AuditAction.API_TOKEN_CREATED,
            details={"token_id": record.id, "name": name, "scope": scope.value},
        )
        return CreatedToken(record, text)

    def list_tokens(self) -> list[ApiToken]:
        return self._tokens.list_tokens()

    def revoke(self, name_or_id: str, *, by: str) -> list[ApiToken]:
        """Revoke the token with that id, or every active one with that name."""
        known = self._tokens.list_tokens()
        chosen = [t for t in known if t.id == name_or_id] or [
            t for t in known if t.name == name_or_id and t.active
        ]
        revoked = []
        for token in chosen:
            done = self._tokens.revoke(token.id, self._clock())
            if done is None:
                continue
            revoked.append(done)
            self._audit.append(
                WORKSPACE_CHAIN,
                actor=by,
                action=AuditAction.API_TOKEN_REVOKED,
                details={"token_id": token.id, "name": token.name},
            )
        return revoked

    def authenticate(self, presented: str | None) -> ApiToken:
        """The active token `presented` is; TokenRefused saying why otherwise."""
        if not presented:
            raise TokenRefused("missing bearer token: send `Authorization: Bearer <token>`")
        token_id = token_id_of(presented)
        if token_id is None:
            raise TokenRefused("malformed token: not a marshal API token")
        token = self._tokens.get(token_id)
        if token is None or not token.matches(presented):
            raise TokenRefused("unknown token")
        if not token.active:
            raise TokenRefused(f"token {token.name!r} was revoked")
        return token
