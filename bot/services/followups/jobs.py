"""FollowUpJobs: the follow-ups' schedule on an APScheduler BackgroundScheduler: the overdue
sweep every minute, the tracker sync (when a tracker is set) every five, and the weekly
digest on its cron, each also once at start, so a restart
catches up at once. Each firing re-reads the store and claims what it sends, so the
schedule itself is rebuilt from nothing on every start and replicas never send twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.domain.errors import MarshalError

log = logging.getLogger(__name__)


class FollowUpJobs:
    def __init__(
        self,
        sweep: Callable[[], object],
        *,
        sweep_seconds: int = 60,
        digest: Callable[[], object] | None = None,
        digest_cron: str | None = None,
        tracker_sync: Callable[[], object] | None = None,
        tracker_seconds: int = 300,
        start_delay_seconds: float = 20.0,
    ) -> None:
        # The first runs wait a little: a processor starting beside others (and the webhook)
        # has enough to do against the store without catching up on follow-ups at once.
        self._start_delay = timedelta(seconds=start_delay_seconds)
        self._sweep = sweep
        self._tracker_sync = tracker_sync
        self._tracker_seconds = tracker_seconds
        self._sweep_seconds = sweep_seconds
        self._digest = digest
        self._digest_trigger = (
            CronTrigger.from_crontab(digest_cron, timezone=UTC) if digest and digest_cron else None
        )
        self._scheduler = BackgroundScheduler(timezone=UTC)

    def start(self) -> None:
        self._scheduler.start()
        self._scheduler.add_job(
            self._guarded(self._sweep, "overdue sweep"),
            "interval",
            seconds=self._sweep_seconds,
            id="followups:overdue",
            next_run_time=datetime.now(UTC) + self._start_delay,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=self._sweep_seconds,
        )
        if self._tracker_sync is not None:
            self._scheduler.add_job(
                self._guarded(self._tracker_sync, "tracker sync"),
                "interval",
                seconds=self._tracker_seconds,
                id="followups:tracker",
                next_run_time=datetime.now(UTC) + self._start_delay,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=self._tracker_seconds,
            )
        if self._digest is not None and self._digest_trigger is not None:
            # at start too: a processor down when the cron fired catches up (the claim on the
            # week keeps it to one post)
            self._scheduler.add_job(
                self._guarded(self._digest, "weekly digest"),
                "date",
                run_date=datetime.now(UTC) + self._start_delay,
                id="followups:digest-start",
            )
            self._scheduler.add_job(
                self._guarded(self._digest, "weekly digest"),
                self._digest_trigger,
                id="followups:digest",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=6 * 3600,  # a processor down at 08:00 still posts at 09:00
            )

    def stop(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    @staticmethod
    def _guarded(job: Callable[[], object], what: str) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except MarshalError as exc:  # the store or Slack is down: the next firing retries
                log.warning(
                    "follow-up job did not complete", extra={"job": what, "error": str(exc)}
                )

        return run
