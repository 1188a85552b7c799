"""RenewingLease: a lease kept alive by a background thread while a `with` block runs.

The status-page publish (bot/gates/lease.py) and a runbook run's execution
(bot/services/operations/run_lease.py) both hold a record other processes may take over once
it looks abandoned, and both keep it fresh the same way: renew every third of the lease until
the block ends or a renewal says the record is no longer theirs. Subclasses say what renewing
writes; this owns the thread and its stopping.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from datetime import timedelta
from types import TracebackType
from typing import Self


class RenewingLease(ABC):
    def __init__(self, lease: timedelta, *, name: str) -> None:
        self._interval = lease.total_seconds() / 3
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep_alive, name=name, daemon=True)

    @abstractmethod
    def renew(self) -> bool:
        """Push the lease forward; False once the record is no longer ours (stop renewing)."""

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _keep_alive(self) -> None:
        while not self._stop.wait(self._interval):
            if not self.renew():
                return
