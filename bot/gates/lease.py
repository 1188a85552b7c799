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
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.domain.errors import ConcurrentUpdate, MarshalError
from bot.domain.models import DraftStatus, StatusPageDraft
from bot.domain.renewal import RenewingLease
from bot.ports.drafts import DraftStore

log = logging.getLogger(__name__)


class PublishLease(RenewingLease):
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
        super().__init__(lease, name=f"publish-lease-{draft.id}")
        self._drafts = drafts
        self._draft = draft
        self._clock = clock

    @property
    def draft(self) -> StatusPageDraft:
        return self._draft

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
