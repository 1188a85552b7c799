"""PublishLease: keeps a claimed publish visibly alive while it runs.

A publish claims its draft (approved -> publishing) and then talks to the status page, which
can take a while (pacing, retries, Retry-After). If the process dies there, the draft stays in
publishing; an approve press may take it over once its `updated_at` is older than the lease.
A fixed lease had to outlast the slowest possible publish (minutes), so one crash held every
post that was under way for that long, at the moment customers most need to hear from us.
Renewed every third of the lease while the publish runs, the lease can be short: a live
publish is never taken over, a dead one is retaken within one lease, and the retry adopts
whatever the dead attempt already wrote (the marker in the public incident's metadata).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType

from bot.domain.errors import ConcurrentUpdate, MarshalError
from bot.domain.models import DraftStatus, StatusPageDraft
from bot.ports.drafts import DraftStore

log = logging.getLogger(__name__)


class PublishLease:
    """`with PublishLease(...) as lease:` renews in a background thread; after the block,
    `lease.draft` is the draft as last written (its version moves with each renewal)."""

    def __init__(
        self,
        drafts: DraftStore,
        draft: StatusPageDraft,
        *,
        lease: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._drafts = drafts
        self._draft = draft
        self._interval = lease.total_seconds() / 3
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"publish-lease-{draft.id}", daemon=True
        )

    @property
    def draft(self) -> StatusPageDraft:
        return self._draft

    def __enter__(self) -> PublishLease:
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

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            if not self.renew():
                return

    def renew(self) -> bool:
        """Push `updated_at` forward; False when the draft is no longer ours to renew."""
        try:
            self._draft = self._drafts.update(
                self._draft.moved_to(DraftStatus.PUBLISHING, at=self._clock()),
                expected_version=self._draft.version,
                expected_status=DraftStatus.PUBLISHING,
            )
        except ConcurrentUpdate:
            # taken over after a stall we did not notice; the final write will say so
            log.warning("publish lease lost", extra={"draft_id": self._draft.id})
            return False
        except MarshalError as exc:
            # the store hiccuped: keep trying; a lease that lapses only allows a retry that
            # adopts what this attempt wrote
            log.warning("publish lease not renewed", extra={"error": str(exc)})
        return True
