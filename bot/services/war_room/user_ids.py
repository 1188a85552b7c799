"""UserIdsByEmail: users.lookupByEmail answers kept for a while, so rooms stop re-asking.

A team of 25 people given by email costs 25 lookups (Slack's Tier 4) for every room; the
team's next incident finds them here instead, and its room no longer waits for lookup waves.
Only found users are kept, each for `ttl_seconds`: an email nobody has yet is asked again the
next time, and a kept id is asked again once it expires, so an email that moved to another
person resolves to the new one within the TTL. Keys are the email in lower case, as Slack
matches them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from cachetools import TTLCache

from bot.ports.slack import SlackGateway

DEFAULT_TTL_SECONDS = 600.0
DEFAULT_MAX_ENTRIES = 10_000


class UserIdsByEmail:
    def __init__(
        self,
        slack: SlackGateway,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._slack = slack
        self._ids: TTLCache[str, str] = TTLCache(max_entries, ttl_seconds, timer=timer)
        # TTLCache is not thread-safe, and lookups run on several threads at once.
        self._lock = threading.Lock()

    def lookup(self, email: str) -> str | None:
        """The Slack user id for `email`, or None; raises SlackCallFailed as the gateway does."""
        key = email.strip().lower()
        with self._lock:
            kept = self._ids.get(key)
        if kept is not None:
            return kept
        user_id = self._slack.lookup_user_by_email(email)
        if user_id:
            with self._lock:
                self._ids[key] = user_id
        return user_id
