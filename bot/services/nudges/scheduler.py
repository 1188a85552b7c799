"""NudgeScheduler: runs status-update nudges and reminders on an APScheduler 3 BackgroundScheduler.

The plan is derived from the store: `rebuild()` (at start, every `reconcile_seconds` for open
incidents, every `full_reconcile_seconds` for all of them) computes each incident's next nudge
slot, IC-unclaimed reminder, inactivity check and postmortem check, and replaces the one-shot
job for each. A nudge job re-reads the incident and hands it to the NudgePoster (posting.py),
which claims its slot (`nudge:{incident_id}:{slot}`) so that replicas never post twice and
posts; then the job plans the next slot. A slot missed while no process ran is due at once on
rebuild and fires once; older missed slots coalesce into it. With a RoomArchiver, a resolved
room's archiving after MARSHAL_ARCHIVE_AFTER is planned the same way (it retries every
ARCHIVE_RETRY_SECONDS while the resolve flow is unfinished or Slack refuses).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from bot.domain.ids import new_id
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.queue import EventType, Queue, QueueMessage
from bot.ports.slack import SlackGateway
from bot.services.nudges.classifier import (
    HeuristicStatusUpdateClassifier,
    StatusUpdateClassifier,
)
from bot.services.nudges.policy import NudgePolicy
from bot.services.nudges.posting import NudgeOutcome, NudgePoster
from bot.services.nudges.reminders import NudgeStore, Reminders
from bot.services.nudges.schedule import (
    Due,
    ic_unclaimed_due,
    next_inactive_check,
    next_nudge,
    next_postmortem_check,
    nudge_anchor,
)
from bot.services.resolution.archiver import RoomArchiver, archive_due_at

__all__ = [
    "JobKind",
    "NudgeOutcome",  # where the scheduler's callers and tests have always found it
    "NudgeScheduler",
    "PlannedJob",
    "SlaCheck",
    "default_owner",
    "sla_check_message",
]

DEFAULT_MISFIRE_GRACE_SECONDS = 300
ARCHIVE_RETRY_SECONDS = 30


class JobKind(StrEnum):
    NUDGE = "nudge"
    IC_UNCLAIMED = "ic"
    INACTIVE = "inactive"
    POSTMORTEM = "postmortem"
    ARCHIVE = "archive"


@dataclass(frozen=True)
class PlannedJob:
    job_id: str
    due: Due
    anchor: datetime  # slots count from here; a new anchor starts a new series


def default_owner() -> str:
    """Who holds a claim: host, pid and a random tail so two schedulers in one process differ."""
    return f"{socket.gethostname()}:{os.getpid()}:{new_id('sched')}"


class NudgeScheduler:
    def __init__(
        self,
        store: NudgeStore,
        audit: AuditLog,
        slack: SlackGateway,
        queue: Queue,
        policy: NudgePolicy,
        *,
        classifier: StatusUpdateClassifier | None = None,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        reconcile_seconds: int = 60,
        full_reconcile_seconds: int = 3600,
        misfire_grace_seconds: int = DEFAULT_MISFIRE_GRACE_SECONDS,
        archiver: RoomArchiver | None = None,
    ) -> None:
        self._store = store
        self._audit = audit
        self._slack = slack
        self._queue = queue
        self._policy = policy
        self._owner = owner or default_owner()
        self._clock = clock
        self._reconcile_seconds = reconcile_seconds
        self._full_reconcile_seconds = full_reconcile_seconds
        self._grace = misfire_grace_seconds
        self._archiver = archiver
        self._poster = NudgePoster(
            store,
            audit,
            slack,
            policy,
            classifier=classifier or HeuristicStatusUpdateClassifier(),
            owner=self._owner,
            clock=clock,
        )
        self._reminders = Reminders(store, audit, slack, policy, owner=self._owner, clock=clock)
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._plans: dict[tuple[JobKind, str], PlannedJob] = {}
        # (kind, incident) -> (last slot run here, the anchor of its series)
        self._handled: dict[tuple[JobKind, str], tuple[int, datetime]] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()

    @property
    def reminders(self) -> Reminders:
        return self._reminders

    # --- life cycle -------------------------------------------------------------------

    def start(self) -> None:
        """Rebuild the plan from the store, then start firing jobs."""
        self._stopping.clear()
        self._scheduler.start()
        self.rebuild()
        # Open incidents change under other processes (a silence, an IC): re-read them often.
        # Every incident ever is re-read rarely: the store grows without bound, and a resolved
        # incident's only job (the postmortem check) is re-planned each time it runs.
        for job_id, seconds, open_only in (
            ("nudges:reconcile", self._reconcile_seconds, True),
            ("nudges:reconcile-all", self._full_reconcile_seconds, False),
        ):
            self._scheduler.add_job(
                self.rebuild,
                "interval",
                kwargs={"open_only": open_only},
                seconds=seconds,
                id=job_id,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=seconds,
            )

    def stop(self) -> None:
        # APScheduler's shutdown(wait=True) holds its job-store lock while it waits for running
        # jobs; a job that re-plans would then block on that lock forever. So first make
        # planning a no-op (under our lock, which every planning step holds), then shut down.
        with self._lock:
            self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def planned(self) -> dict[tuple[JobKind, str], PlannedJob]:
        """What is scheduled now, by (kind, incident id); for `marshal` tools and tests."""
        with self._lock:
            return dict(self._plans)

    # --- planning -----------------------------------------------------------------------

    def rebuild(self, *, open_only: bool = False) -> None:
        """Re-plan every incident the store holds (only the open ones if `open_only`)."""
        for incident in self._incidents(open_only=open_only):
            self.schedule_incident(incident)

    def stop_nudges(self, incident_id: str) -> None:
        """The resolve flow's NudgeControl: re-plan from the stored, resolved incident, which
        has no nudges left (only the postmortem-due check)."""
        incident = self._store.get(incident_id)
        if incident is not None:
            self.schedule_incident(incident)

    def resume_nudges(self, incident_id: str) -> None:
        """NudgeControl after a reopen: re-plan from the stored, open-again incident."""
        self._replan(incident_id)

    def schedule_postmortem_due(self, incident: Incident) -> None:
        """The resolve flow's SlaScheduler: the postmortem-due check is planned from the
        resolved incident like any other job."""
        self.schedule_incident(incident)

    def schedule_incident(self, incident: Incident) -> None:
        """Plan (or re-plan) one incident's jobs; the war room's `on_assembled` hook."""
        now = self._clock()
        policy = self._policy
        anchor = nudge_anchor(incident)
        nudge = next_nudge(
            incident,
            policy.intervals,
            now,
            after_slot=self._after(JobKind.NUDGE, incident.id, anchor),
        )
        self._plan(JobKind.NUDGE, incident.id, nudge, anchor, self.run_nudge)
        ic_due = ic_unclaimed_due(incident, policy.ic_unclaimed.after_seconds)
        ic_done = self._after(JobKind.IC_UNCLAIMED, incident.id, anchor) is not None
        ic_plan = Due(1, ic_due) if ic_due and not ic_done else None
        self._plan(JobKind.IC_UNCLAIMED, incident.id, ic_plan, anchor, self.run_ic_reminder)
        inactive: Due | None = None
        quiet_since = anchor
        if incident.is_open and incident.channel_id:
            quiet_since = self._reminders.last_activity(incident)
            inactive = next_inactive_check(
                quiet_since,
                policy.inactive.after_seconds,
                now,
                after_slot=self._after(JobKind.INACTIVE, incident.id, quiet_since),
            )
        self._plan(JobKind.INACTIVE, incident.id, inactive, quiet_since, self.run_inactive_check)
        resolved = incident.resolved_at or anchor
        postmortem = next_postmortem_check(
            incident,
            policy.postmortem_due.after_seconds,
            now,
            after_slot=self._after(JobKind.POSTMORTEM, incident.id, resolved),
        )
        self._plan(JobKind.POSTMORTEM, incident.id, postmortem, resolved, self.run_postmortem_check)
        if self._archiver is not None:
            self._plan_archive(incident, self._archiver.grace_seconds, now)

    def _plan_archive(self, incident: Incident, grace_seconds: int, now: datetime) -> None:
        due_at = archive_due_at(incident, grace_seconds)
        anchor = incident.resolved_at or nudge_anchor(incident)
        plan: Due | None = None
        if due_at is not None:
            slot = (self._after(JobKind.ARCHIVE, incident.id, anchor) or 0) + 1
            retry = max(due_at, now) + timedelta(seconds=ARCHIVE_RETRY_SECONDS)
            plan = Due(slot, due_at if slot == 1 else retry)
        self._plan(JobKind.ARCHIVE, incident.id, plan, anchor, self.run_archive)

    def _after(self, kind: JobKind, incident_id: str, anchor: datetime) -> int | None:
        """The last slot this process handled in the same series (same anchor), if any."""
        with self._lock:
            handled = self._handled.get((kind, incident_id))
        return handled[0] if handled and handled[1] == anchor else None

    def _plan(
        self,
        kind: JobKind,
        incident_id: str,
        due: Due | None,
        anchor: datetime,
        run: Callable[[str, int], Any],
    ) -> None:
        key = (kind, incident_id)
        job_id = f"{kind.value}:{incident_id}:{due.slot}:{int(anchor.timestamp())}" if due else None
        with self._lock:
            if self._stopping.is_set():
                return
            current = self._plans.get(key)
            if current and current.job_id == job_id and self._scheduler.get_job(job_id):
                return
            if current:
                self._remove_job(current.job_id)
                del self._plans[key]
            if due is None or job_id is None:
                return
            self._scheduler.add_job(
                run,
                trigger=DateTrigger(run_date=self._wall_time(due.at), timezone=UTC),
                args=[incident_id, due.slot],
                id=job_id,
                replace_existing=True,
                misfire_grace_time=self._grace,
                coalesce=True,
                max_instances=1,
            )
            self._plans[key] = PlannedJob(job_id, due, anchor)

    def _wall_time(self, due: datetime) -> datetime:
        # Jobs fire on the real clock; keep the delay the injected clock implies.
        return datetime.now(UTC) + max(due - self._clock(), timedelta(0))

    def _remove_job(self, job_id: str) -> None:
        # Gone already when it ran or was never started: nothing left to cancel.
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(job_id)

    def _incidents(self, *, open_only: bool) -> Iterator[Incident]:
        cursor: str | None = None
        while True:
            page = self._store.list_incidents(open_only=open_only, limit=100, cursor=cursor)
            yield from page.items
            if not page.next_cursor:
                return
            cursor = page.next_cursor

    def _done(
        self, kind: JobKind, incident_id: str, slot: int, anchor: datetime | None = None
    ) -> None:
        """Remember the slot just run (in the series of `anchor`, else of the current plan)."""
        with self._lock:
            key = (kind, incident_id)
            plan = self._plans.get(key)
            series = anchor or (plan.anchor if plan else None)
            if series is None:
                return
            handled = self._handled.get(key)
            if handled is None or handled[1] != series or handled[0] < slot:
                self._handled[key] = (slot, series)
            if plan and plan.due.slot == slot:
                del self._plans[key]
            # else: re-planned meanwhile (e.g. a silence); the newer plan stands

    def _replan(self, incident_id: str) -> None:
        incident = self._store.get(incident_id)
        if incident is not None:
            self.schedule_incident(incident)

    # --- firing -------------------------------------------------------------------------

    def run_nudge(self, incident_id: str, slot: int) -> NudgeOutcome:
        """The job body for nudge slot `slot`; safe to call from several processes at once."""
        incident = self._store.get(incident_id)
        try:
            return self._poster.post(incident_id, incident, slot)
        finally:
            anchor = nudge_anchor(incident) if incident else None
            self._done(JobKind.NUDGE, incident_id, slot, anchor)
            self._replan(incident_id)

    def run_ic_reminder(self, incident_id: str, slot: int) -> None:
        try:
            self._reminders.ic_unclaimed(incident_id)
        finally:
            self._done(JobKind.IC_UNCLAIMED, incident_id, slot)

    def run_inactive_check(self, incident_id: str, slot: int) -> None:
        try:
            self._reminders.inactive(incident_id)
        finally:
            self._done(JobKind.INACTIVE, incident_id, slot)
            self._replan(incident_id)

    def run_postmortem_check(self, incident_id: str, slot: int) -> None:
        """Hands the check to the queue (SLA_CHECK), whose consumer posts the reminder;
        the event id is per slot, so replicas enqueue it once."""
        try:
            self._queue.send(sla_check_message(incident_id, slot))
        finally:
            self._done(JobKind.POSTMORTEM, incident_id, slot)
            self._replan(incident_id)

    def run_archive(self, incident_id: str, slot: int) -> None:
        """Archive the resolved room if its grace is over (claimed; a reopen cancels it)."""
        assert self._archiver is not None, "planned only with an archiver"
        try:
            self._archiver.archive_if_due(incident_id)
        finally:
            self._done(JobKind.ARCHIVE, incident_id, slot)
            self._replan(incident_id)


class SlaCheck(StrEnum):
    POSTMORTEM_DUE = "postmortem_due"


def sla_check_message(incident_id: str, slot: int) -> QueueMessage:
    return QueueMessage(
        event_id=f"sla-{SlaCheck.POSTMORTEM_DUE.value}-{incident_id}-{slot}",
        event_type=EventType.SLA_CHECK.value,
        incident_id=incident_id,
        payload={"check": SlaCheck.POSTMORTEM_DUE.value, "slot": slot},
    )
