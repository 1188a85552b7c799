"""The audit chain's HMAC keys: the current one that seals new events, and older ones that
still verify events sealed before a rotation.

A key's id is the first 8 hex digits of the SHA-256 of the key itself, so an event can name
the key that sealed it without revealing anything about it. Keys never appear in a repr, so
neither logs nor tracebacks can carry them.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from bot.domain.errors import ConfigurationError

MIN_KEY_CHARS = 16  # a shorter key is a typo or a placeholder, not a secret


@dataclass(frozen=True)
class AuditKey:
    secret: bytes = field(repr=False)
    key_id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_id", hashlib.sha256(self.secret).hexdigest()[:8])

    @classmethod
    def from_text(cls, text: str, *, name: str = "MARSHAL_AUDIT_KEY") -> AuditKey:
        value = text.strip()
        if len(value) < MIN_KEY_CHARS:
            raise ConfigurationError(
                f"{name} must be at least {MIN_KEY_CHARS} characters (a long random string)"
            )
        return cls(value.encode("utf-8"))

    def mac(self, message: bytes) -> str:
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class AuditKeyring:
    """`current` seals; `current` and `previous` verify."""

    current: AuditKey
    previous: tuple[AuditKey, ...] = ()

    @classmethod
    def from_text(cls, current: str, previous: str | None = None) -> AuditKeyring:
        """MARSHAL_AUDIT_KEY and the comma-separated MARSHAL_AUDIT_KEYS_PREVIOUS."""
        return cls(current=AuditKey.from_text(current), previous=previous_keys(previous))

    def find(self, key_id: str) -> AuditKey | None:
        for key in (self.current, *self.previous):
            if hmac.compare_digest(key.key_id, key_id):
                return key
        return None


def previous_keys(text: str | None) -> tuple[AuditKey, ...]:
    """MARSHAL_AUDIT_KEYS_PREVIOUS: older keys, comma-separated."""
    older = [p for p in (text or "").split(",") if p.strip()]
    return tuple(AuditKey.from_text(p, name="MARSHAL_AUDIT_KEYS_PREVIOUS") for p in older)
