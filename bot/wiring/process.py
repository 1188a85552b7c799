"""ProcessGroup: starts long-running parts in order and stops them in reverse within a deadline.

`marshal up`, `marshal webhook` and `marshal processor` are each one ProcessGroup; SIGINT or
SIGTERM stops the group cleanly (web first so nothing new is accepted, sandbox last).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Part:
    name: str
    start: Callable[[], None]
    stop: Callable[[], None]


class ProcessGroup:
    def __init__(self, *, stop_deadline_seconds: float = 5.0) -> None:
        self._parts: list[Part] = []
        self._started: list[Part] = []
        self._deadline = stop_deadline_seconds
        self._stopping = threading.Event()

    def add(self, name: str, start: Callable[[], None], stop: Callable[[], None]) -> None:
        self._parts.append(Part(name, start, stop))

    def start(self) -> None:
        for part in self._parts:
            part.start()
            self._started.append(part)
            log.info("started", extra={"part": part.name})

    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        if signum is not None:
            log.info("stop requested", extra={"signal": signal.Signals(signum).name})
        self._stopping.set()

    def wait(self) -> None:
        """Block the main thread until SIGINT/SIGTERM (or request_stop)."""
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            while not self._stopping.wait(0.5):
                pass
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        """Stop started parts in reverse order; a part that hangs is abandoned at the deadline."""
        deadline = time.monotonic() + self._deadline
        for part in reversed(self._started):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                log.warning("stop deadline passed; abandoning", extra={"part": part.name})
                break
            stopper = threading.Thread(target=part.stop, name=f"stop-{part.name}", daemon=True)
            stopper.start()
            stopper.join(remaining)
            if stopper.is_alive():
                log.warning("part did not stop in time", extra={"part": part.name})
        self._started.clear()

    def run(self) -> int:
        try:
            self.start()
            self.wait()
        finally:
            self.stop()
        return 0
