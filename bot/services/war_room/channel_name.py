"""War-room channel names that obey Slack's rules and carry the incident's short id.

Slack channel names are lowercase, at most 80 characters, and only `a-z 0-9 - _`.
The short id comes first so a truncated title never loses what identifies the incident.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHANNEL_NAME = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9_-]+")
_DASHES = re.compile(r"-{2,}")
_SHORT_ID_LENGTH = 6


def short_id(incident_id: str) -> str:
    """The random tail of an incident id (`inc-0abc…xyz123` -> `xyz123`), lowercase."""
    tail = incident_id.rsplit("-", 1)[-1]
    return slugify(tail[-_SHORT_ID_LENGTH:]) or slugify(incident_id)


def slugify(text: str) -> str:
    """'Checkout: 5xx > 20%!' -> 'checkout-5xx-20'. Accents fold to ASCII; the rest becomes '-'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NOT_ALLOWED.sub("-", folded.lower())
    return _DASHES.sub("-", slug).strip("-_")


def channel_name(incident_id: str, title: str, *, attempt: int = 0) -> str:
    """`inc-<short id>-<title slug>`; attempt N>0 appends `-N` (after a `name_taken`)."""
    prefix = f"inc-{short_id(incident_id)}"
    suffix = f"-{attempt + 1}" if attempt else ""
    room = MAX_CHANNEL_NAME - len(prefix) - len(suffix) - 1
    title_slug = slugify(title)[:room].rstrip("-_")
    name = f"{prefix}-{title_slug}" if title_slug else prefix
    return f"{name}{suffix}"
