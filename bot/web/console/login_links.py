"""One-time login links: `marshal console login-link --user U...` prints one, the console
redeems it once.

A link carries a token signed with the console's key (derived from the audit key, so the
CLI and the server agree without a new secret) naming the person and its expiry. Redeeming it
claims the SHA-256 of the token in the store (Claims.claim, first writer wins), so a link
works once across every web process, and the store only ever holds the hash: a copy of the
database gives nobody a usable link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from bot.domain.audit_keys import AuditKeyring
from bot.domain.errors import MarshalError
from bot.ports.store import Claims

DEFAULT_TTL_SECONDS = 600
MAX_TTL_SECONDS = 24 * 3600
_SALT = "marshal-console-login"
_CLAIM_PREFIX = "console-login:"


def console_secret(keys: AuditKeyring) -> bytes:
    """The console's signing key: an HMAC of a fixed label under the current audit key, so
    sessions and links cannot be forged without that key and never reuse it directly."""
    return hmac.new(keys.current.secret, b"marshal console v1", hashlib.sha256).digest()


class LoginLinkRefused(MarshalError):
    """The link is forged, expired or used; `reason` is shown to the person."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Redeemed:
    user_id: str
    expires_at: int  # unix seconds


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class LoginLinkSigner:
    """Makes and checks the tokens; needs only the console key (the CLI has nothing else)."""

    def __init__(self, secret: bytes, *, clock: Callable[[], float] = time.time) -> None:
        self._serializer = URLSafeSerializer(secret, salt=_SALT)
        self._clock = clock

    def issue(self, user_id: str, *, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> str:
        """A token for `user_id`, valid once within `ttl_seconds`."""
        if not user_id.strip():
            raise ValueError("a login link needs the person it signs in")
        if not 0 < ttl_seconds <= MAX_TTL_SECONDS:
            raise ValueError(f"a login link lives between 1 s and {MAX_TTL_SECONDS // 3600} h")
        expires = int(self._clock()) + ttl_seconds
        payload = {"sub": user_id.strip(), "exp": expires, "n": secrets.token_urlsafe(12)}
        return str(self._serializer.dumps(payload))

    def check(self, token: str) -> Redeemed:
        """Who the token names, if it is genuine and unexpired (it is not used up here)."""
        try:
            payload = self._serializer.loads(token)
        except BadSignature as exc:
            raise LoginLinkRefused("this login link is not valid") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("sub"), str):
            raise LoginLinkRefused("this login link is not valid")
        expires = payload.get("exp")
        if not isinstance(expires, int) or expires <= self._clock():
            raise LoginLinkRefused("this login link has expired; ask for a new one")
        return Redeemed(user_id=payload["sub"], expires_at=expires)

    def seconds_left(self, redeemed: Redeemed) -> float:
        return redeemed.expires_at - self._clock()


class LoginLinks:
    """Redeems tokens once, across every web process, through the store's Claims."""

    def __init__(self, signer: LoginLinkSigner, claims: Claims) -> None:
        self._signer = signer
        self._claims = claims

    def check(self, token: str) -> Redeemed:
        return self._signer.check(token)

    def redeem(self, token: str) -> Redeemed:
        """Use the token up: the first redeem wins, every later one is refused."""
        redeemed = self._signer.check(token)
        # Kept a little past the expiry, after which the signature check refuses it anyway.
        ttl = max(1, int(self._signer.seconds_left(redeemed)) + 60)
        key = _CLAIM_PREFIX + token_hash(token)
        if not self._claims.claim(key, redeemed.user_id, ttl_seconds=ttl):
            raise LoginLinkRefused("this login link was already used; ask for a new one")
        return redeemed
