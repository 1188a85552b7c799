"""The record of every Web API call the sandbox answered, for tests to assert on.

What an app shows without the Web API is recorded beside them under pseudo-methods, since
it reaches people's screens all the same: a slash command's or a modal's ack body
(`REPLY_ACK`) and each POST to a response URL (`REPLY_RESPONSE_URL`). Their names hold no
dot, so no real method is ever mistaken for one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

REPLY_ACK = "(ack)"
REPLY_RESPONSE_URL = "(response_url)"


@dataclass(frozen=True)
class ApiCall:
    method: str
    args: dict[str, Any]
    at: float  # time.time() when the request arrived
    status: int  # HTTP status answered
    ok: bool
    error: str | None = None
    # time.time() when the answer was ready (after any injected latency): with `at`, tests
    # see which calls were in flight together and which waited for another to finish.
    answered: float | None = None

    def overlaps(self, other: ApiCall) -> bool:
        """Both calls were in flight at once (each arrived before the other was answered)."""
        mine, theirs = self.answered or self.at, other.answered or other.at
        return self.at < theirs and other.at < mine

    def before(self, other: ApiCall) -> bool:
        """This call was answered before `other` arrived: `other` waited for it."""
        return (self.answered or self.at) <= other.at

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[ApiCall] = []

    def record(self, call: ApiCall) -> None:
        with self._lock:
            self._calls.append(call)

    def reply(self, kind: str, body: dict[str, Any], *, ok: bool = True) -> None:
        """Record an ack body or a response-URL post (`REPLY_ACK`, `REPLY_RESPONSE_URL`)."""
        self.record(ApiCall(kind, dict(body), time.time(), 200, ok))

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
