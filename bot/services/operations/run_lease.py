"""RunLease: keeps a run's lease alive while its action is in flight.

Several processors (and `marshal ops start`) share one store, and each recovers runs at
start and on a timer. Without a lease, one of them would take a run another is executing
for a crashed one and mark it failed. The executing process renews the lease (owner and
expiry on the run, a versioned write) every third of its length while the execute request
is out; recovery only touches a run whose lease has expired, and its own write is
conditional on the version it read, so a renewal in between makes recovery lose, not win.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.domain.errors import ConcurrentUpdate, MarshalError
from bot.domain.operation_run import OperationRun
from bot.domain.renewal import RenewingLease
from bot.ports.runbooks import OperationRuns

log = logging.getLogger(__name__)


def process_owner() -> str:
    """Who holds a lease: host, pid and a random part (a reused pid is another owner)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class RunLease(RenewingLease):
    """`with RunLease(...) as lease:` renews in a background thread; after the block,
    `lease.run` is the run as last written (its version moves with each renewal)."""

    def __init__(
        self,
        runs: OperationRuns,
        run: OperationRun,
        *,
        owner: str,
        lease: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        super().__init__(lease, name=f"run-lease-{run.id}")
        self._runs = runs
        self._run = run
        self._owner = owner
        self._lease = lease
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def run(self) -> OperationRun:
        with self._lock:
            return self._run

    def renew(self) -> bool:
        """Push the expiry forward; False once the run is no longer ours (recovered)."""
        with self._lock:
            current = self._run
        until = self._clock() + self._lease
        try:
            renewed = self._runs.update(
                current.leased(self._owner, until), expected_version=current.version
            )
        except ConcurrentUpdate:
            # recovered by another processor after a stall: the final write will say so
            log.warning("run lease lost", extra={"run": current.id})
            return False
        except MarshalError as exc:
            # a store hiccup: try again next time; a lapse only lets recovery fail the run,
            # never send it twice
            log.warning("run lease not renewed", extra={"run": current.id, "error": str(exc)})
            return True
        with self._lock:
            self._run = renewed
        return True
