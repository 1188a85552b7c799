"""RecentIntake: what this webhook process answered lately, so it asks DynamoDB the cheap way.

The alert ledger writes first and asks second (alert_ledger.py): right for a notification nobody
has seen, wasteful for one this process has just answered. On DynamoDB a cancelled transaction
is still charged for every item it names and conflicts with a concurrent re-send of the same
notification; a strongly consistent read does neither. So the process remembers, for a while,

- the dedup keys it accepted or answered: a re-send of one is read first (its dedup record and
  its group's claim in one BatchGetItem) and answered from that;
- which incident holds each alert group it wrote to: a new notification of that group goes
  straight to the join (read the incident, write one transaction) instead of first trying to
  open a second incident and being refused.

Both are hints, never answers: what is read or written decides, and a stale hint costs one
extra call, then is dropped. Bounded and expiring (cachetools), guarded by one lock (the
ledger runs on the web tier's worker threads).
"""

from __future__ import annotations

import threading

from cachetools import TTLCache

REMEMBERED = 10_000  # notifications, and groups: a few MB at most
REMEMBER_FOR_SECONDS = 3600.0  # senders re-send within minutes (Alertmanager: group_interval)


class RecentIntake:
    def __init__(self, size: int = REMEMBERED, seconds: float = REMEMBER_FOR_SECONDS) -> None:
        self._answered: TTLCache[str, bool] = TTLCache(size, seconds)
        self._holders: TTLCache[str, str] = TTLCache(size, seconds)
        self._lock = threading.Lock()

    def answered(self, dedup_key: str) -> bool:
        with self._lock:
            return dedup_key in self._answered

    def holder(self, group_key: str) -> str | None:
        """The incident that held `group_key` when this process last wrote to it."""
        with self._lock:
            return self._holders.get(group_key)

    def remember(self, dedup_key: str, group_key: str, incident_id: str) -> None:
        with self._lock:
            self._answered[dedup_key] = True
            self._holders[group_key] = incident_id

    def forget_group(self, group_key: str) -> None:
        with self._lock:
            self._holders.pop(group_key, None)
