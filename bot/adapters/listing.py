"""Sort keys and opaque page cursors shared by the store adapters, so both list alike.

A sort key is a fixed-width UTC timestamp: it orders as text exactly as the instant
orders in time, whatever timezone the datetime came in.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime


def time_key(moment: datetime) -> str:
    """'2024-05-01T12:00:00.000000Z' for any aware datetime (naive ones are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def triggered_key(triggered_at: datetime, incident_id: str) -> str:
    """Newest-first listing key: time, then id to break ties deterministically."""
    return f"{time_key(triggered_at)}#{incident_id}"


@dataclass(frozen=True)
class IncidentCursor:
    """Where a page of the newest-first listing stopped: the last incident it returned."""

    triggered_key: str
    incident_id: str

    def encode(self) -> str:
        raw = json.dumps({"t": self.triggered_key, "id": self.incident_id}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> IncidentCursor:
        """Raises ValueError for anything `encode` did not produce."""
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        except (binascii.Error, UnicodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"unrecognised page cursor {cursor!r}") from exc
        if not isinstance(data, dict) or set(data) != {"t", "id"}:
            raise ValueError(f"unrecognised page cursor {cursor!r}")
        key, incident_id = data["t"], data["id"]
        if not (isinstance(key, str) and isinstance(incident_id, str)) or not key.endswith(
            f"#{incident_id}"
        ):
            raise ValueError(f"unrecognised page cursor {cursor!r}")
        return cls(triggered_key=key, incident_id=incident_id)
