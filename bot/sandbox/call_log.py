"""The record of every Web API call the sandbox answered, for tests to assert on."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ApiCall:
    method: str
    args: dict[str, Any]
    at: float  # time.time() when the request arrived
    status: int  # HTTP status answered
    ok: bool
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class CallLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[ApiCall] = []

    def record(self, call: ApiCall) -> None:
        with self._lock:
            self._calls.append(call)

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._lock:
            return [c for c in self._calls if method is None or c.method == method]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
