"""EscalationTimer: fires each incident's next escalation step when it is due, on an
APScheduler BackgroundScheduler, with a plan rebuilt from the store.

The plan is derived, never kept: `rebuild()` (at start, then every `reconcile_seconds`)
reads the open incidents and plans one job per incident at `EscalationState.due_at()`,
and `schedule_incident` re-plans one incident whenever paging changes it. A job only
sends PAGE_STEP with an id naming the incident, epoch, step and due time, so the timers of
several processors (or a restart) send one event the queue delivers once, and the
handler re-checks everything before it pages. Incidents that should be paging but have
no state yet (a crash between assembly and the first page, a reopen) are started here.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from bot.domain.errors import BackendUnavailable
from bot.domain.models import Incident, utcnow
from bot.ports.queue import Queue
from bot.services.paging.escalation import Escalation, EscalationStore
from bot.services.paging.messages import SyncAction, page_step, page_sync

log = logging.getLogger(__name__)


class EscalationTimer:
    def __init__(
        self,
        store: EscalationStore,
        queue: Queue,
        escalation: Escalation,
        *,
        clock: Callable[[], datetime] = utcnow,
        reconcile_seconds: float = 30.0,
    ) -> None:
        self._store = store
        self._queue = queue
        self._escalation = escalation
        self._clock = clock
        self._reconcile_seconds = reconcile_seconds
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._plans: dict[str, str] = {}  # incident id -> job id
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._scheduler.start()
        # The first rebuild runs at once but in the background, so a process with many open
        # incidents (or a slow store) is not held back from starting by it.
        self._scheduler.add_job(
            self.rebuild,
            "interval",
            seconds=self._reconcile_seconds,
            next_run_time=datetime.now(UTC),
            id="paging:reconcile",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )

    def stop(self) -> None:
        with self._lock:
            self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def planned(self) -> dict[str, str]:
        with self._lock:
            return dict(self._plans)

    def rebuild(self) -> None:
        try:
            for incident in self._open_incidents():
                self.schedule_incident(incident)
        except BackendUnavailable as exc:
            log.warning("escalation plan not rebuilt: %s", exc)

    def schedule_incident(self, incident: Incident) -> None:
        """Plan (or re-plan) the incident's next step; start paging it if it should be."""
        if self._escalation.start(incident) is not None:
            return  # start() re-planned through on_change
        incident = self._escalation.end_hold(incident)  # its time up, even with nothing due
        state = incident.escalation
        due = state.due_at() if state is not None and incident.is_open else None
        if state is not None and state.acknowledged:
            self._resend_ack_sync(incident)
        job_id = (
            f"page:{incident.id}:{state.epoch}:{state.next_step}:{int(due.timestamp())}"
            if state is not None and due is not None
            else None
        )
        with self._lock:
            if self._stopping.is_set():
                return
            current = self._plans.get(incident.id)
            if current == job_id and job_id and self._scheduler.get_job(job_id):
                return
            if current:
                with contextlib.suppress(JobLookupError):
                    self._scheduler.remove_job(current)
                del self._plans[incident.id]
            if job_id is None or due is None or state is None:
                return
            wall = datetime.now(UTC) + max(due - self._clock(), timedelta(0))
            self._scheduler.add_job(
                self._fire,
                trigger=DateTrigger(run_date=wall, timezone=UTC),
                args=[incident.id, state.epoch, state.next_step, due],
                id=job_id,
                replace_existing=True,
                misfire_grace_time=None,  # a step missed while busy still pages, late
                coalesce=True,
                max_instances=1,
            )
            self._plans[incident.id] = job_id

    def _fire(self, incident_id: str, epoch: int, step: int, due: datetime) -> None:
        with self._lock:
            self._plans.pop(incident_id, None)
        try:
            self._queue.send(page_step(incident_id, epoch, step, due=due))
        except BackendUnavailable as exc:  # the next reconcile plans it again, due at once
            log.warning("escalation step not queued: %s", exc, extra={"incident": incident_id})

    def _resend_ack_sync(self, incident: Incident) -> None:
        """An acknowledgement whose sync never reached the queue (it was down): send it."""
        state = incident.escalation
        assert state is not None
        paged = {p.target for p in state.pages if p.epoch == state.epoch and p.ok}
        missing = [t for t in paged if f"{state.epoch}.acknowledge.{t}" not in state.sent]
        if missing and state.acked_at and self._clock() - state.acked_at > timedelta(seconds=30):
            with contextlib.suppress(BackendUnavailable):
                self._queue.send(page_sync(incident.id, state.epoch, SyncAction.ACKNOWLEDGE))

    def _open_incidents(self) -> Iterator[Incident]:
        cursor: str | None = None
        while True:
            page = self._store.list_incidents(open_only=True, limit=100, cursor=cursor)
            yield from page.items
            if not page.next_cursor:
                return
            cursor = page.next_cursor
