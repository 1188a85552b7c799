"""ProcessGroup: remembers the long-running parts as they start, stops them in reverse.

`marshal up`, `marshal webhook` and `marshal processor` are each one ProcessGroup; SIGINT or
SIGTERM stops the group within a deadline (web first so nothing new is accepted, sandbox
last). A part that fails to start stops the ones already running.
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
    stop: Callable[[], object]


class ProcessGroup:
    def __init__(self, *, stop_deadline_seconds: float = 5.0) -> None:
        self._started: list[Part] = []
        self._deadline = stop_deadline_seconds
        self._stopping = threading.Event()

    def started(self, name: str, stop: Callable[[], object]) -> None:
        """Record a part that is now running; `stop` undoes it."""
        self._started.append(Part(name, stop))
        log.info("started", extra={"part": name})

    def request_stop(self, signum: int | None = None, _frame: FrameType | None = None) -> None:
        if signum is not None:
            log.info("stop requested", extra={"signal": signal.Signals(signum).name})
        self._stopping.set()

    def catch_signals(self) -> None:
        """From now on SIGINT/SIGTERM ask for a clean stop (call from the main thread, first)."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self.request_stop)

    def wait(self) -> None:
        """Block until a signal or request_stop()."""
        while not self._stopping.wait(0.5):
            pass

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
