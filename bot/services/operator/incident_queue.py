"""IncidentQueue: the bounded, cursor-paged incident queue operators read.

Order: every open incident (triggered, assembling, investigating, ... mitigated) newest
first, then the resolved and closed ones newest first. A page holds at most MAX_LIMIT
incidents (DEFAULT_LIMIT unless asked). The cursor is opaque: which of the two runs the page
stopped in and the store's own cursor there. A cursor that cannot be read (garbled, from
another store, stale) gives the first page, as Parapet's queue does: a client that lost its
place starts over rather than failing.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from enum import StrEnum

from bot.ports.store import Incidents
from bot.services.operator.views import IncidentItem, QueuePage

DEFAULT_LIMIT = 30
MAX_LIMIT = 100
# The resolved run reads the whole newest-first listing and skips open incidents; bound the
# reads one page may cost, and hand back a cursor when that bound stops it early.
MAX_STORE_READS = 20


class Run(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class QueueCursor:
    run: Run
    store_cursor: str | None

    def encode(self) -> str:
        raw = json.dumps({"r": self.run.value, "c": self.store_cursor}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> QueueCursor | None:
        """None for anything `encode` did not produce."""
        try:
            data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (binascii.Error, UnicodeError, ValueError):
            return None
        if not isinstance(data, dict) or set(data) != {"r", "c"}:
            return None
        run, store_cursor = data["r"], data["c"]
        if run not in set(Run) or not (store_cursor is None or isinstance(store_cursor, str)):
            return None
        return cls(Run(run), store_cursor)


def clamp_limit(limit: int | None) -> int:
    return DEFAULT_LIMIT if limit is None else max(1, min(limit, MAX_LIMIT))


class IncidentQueue:
    def __init__(self, incidents: Incidents) -> None:
        self._incidents = incidents

    def page(self, *, cursor: str | None = None, limit: int | None = None) -> QueuePage:
        size = clamp_limit(limit)
        start = QueueCursor.decode(cursor) if cursor else None
        try:
            return self._read(start or QueueCursor(Run.OPEN, None), size)
        except ValueError:  # the store did not recognise its own cursor: start over
            return self._read(QueueCursor(Run.OPEN, None), size)

    def _read(self, at: QueueCursor, size: int) -> QueuePage:
        items: list[IncidentItem] = []
        run, store_cursor = at.run, at.store_cursor
        for _ in range(MAX_STORE_READS):
            page = self._incidents.list_incidents(
                open_only=run is Run.OPEN, limit=size - len(items), cursor=store_cursor
            )
            items.extend(IncidentItem.of(i) for i in page.items if run is Run.OPEN or not i.is_open)
            store_cursor = page.next_cursor
            if store_cursor is None:
                if run is Run.RESOLVED:
                    return QueuePage(items=items, next_cursor=None)
                run = Run.RESOLVED
            if len(items) >= size:
                break
        return QueuePage(items=items, next_cursor=QueueCursor(run, store_cursor).encode())
