"""Identifiers: short, sortable by creation time, safe in Slack channel names and URLs."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lowercase


def _encode(number: int, width: int) -> str:
    out = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        out.append(_ALPHABET[digit])
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    """`prefix-` + 9 chars of milliseconds + 6 random: sorts by time, unique in practice."""
    millis = int(time.time() * 1000)
    return f"{prefix}-{_encode(millis, 9)}{_encode(secrets.randbits(30), 6)}"


def new_incident_id() -> str:
    return new_id("inc")
