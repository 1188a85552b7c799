"""WarRoomAssembler: turn an incident into a private, staffed, briefed Slack channel.

Order of work:
1. status -> assembling;
2. the channel (responders are resolved at the same time, on another thread);
3. side by side, the steps that only need the channel: topic/purpose, invites, context
   message, pinned checklist, bookmarks, announcement;
4. the assembled mark: status -> investigating, `assembled_at` and the timings recorded
   (with the steps still to follow, in the same write), the nudge and paging hook called;
5. side by side, after the mark (when configured, never required): the live context
   snapshot and similar incidents; a crash before they are recorded leaves them named on
   the mark, and the retry (the redelivered ALERT_RECEIVED) runs them, once each.

"Assembled" means the room is usable: the channel exists, the responders are invited, the
checklist is posted and pinned (with the topic, briefing, bookmarks and announcement,
which run beside them and end sooner). Nothing slow and optional holds the mark back.

The steps themselves are classes (channel_opener.py, room_steps/), listed in the step table
below; the StepRunner records each finished one in `Incident.assembly` at once, so a retry
after a crash resumes at the unfinished steps. Only the channel is critical: without it the
incident goes to assembly_failed; any other step that fails is named in the room and left
for `/marshal assemble` to redo. This module keeps the orchestration only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bot.domain.audit import AuditAction
from bot.domain.errors import NotFound
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AssemblyStep, Incident, utcnow
from bot.domain.severity import Severity
from bot.ports.audit import AuditLog
from bot.ports.directory import Directory
from bot.ports.metrics import Metrics
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.store import Incidents
from bot.services.followups.similarity import SimilarIncidents
from bot.services.slack_text import escape
from bot.services.steps.ledger import IncidentLedger, StepBook
from bot.services.steps.runner import Stage, Step, StepRunner
from bot.services.war_room.channel_opener import ChannelOpener, ChannelStep
from bot.services.war_room.checklist import ChecklistConfig
from bot.services.war_room.context_snapshot import ContextSnapshotter
from bot.services.war_room.responders import OnCallLookup, ResponderResolver
from bot.services.war_room.room_steps.announcement import AnnouncementStep
from bot.services.war_room.room_steps.bookmarks import BookmarksStep
from bot.services.war_room.room_steps.checklist import ChecklistStep
from bot.services.war_room.room_steps.context_message import ContextMessageStep
from bot.services.war_room.room_steps.context_snapshot import ContextSnapshotStep
from bot.services.war_room.room_steps.invites import InvitesStep
from bot.services.war_room.room_steps.similar_incidents import SimilarIncidentsStep
from bot.services.war_room.room_steps.topic import TopicStep
from bot.services.war_room.steps import (
    ACTOR,
    OPTIONAL_ROOM_STEPS,
    REQUIRED_STEPS,
    Room,
    StepName,
    is_assembled,
    still_after_assembly,
)
from bot.services.war_room.user_ids import UserIdsByEmail

log = logging.getLogger(__name__)

__all__ = ["REQUIRED_STEPS", "StepHook", "WarRoomAssembler", "is_assembled"]

StepHook = Callable[[StepName], None]
RoomStep = Step[Room, StepName]


def describe_failure(step: StepName, exc: Exception) -> str:
    """A failed room step, for the room: `assemble` redoes it unless it is optional."""
    retry = "" if step in OPTIONAL_ROOM_STEPS else " (retry with `/marshal assemble`)"
    return f"{step.value.replace('_', ' ')}: {escape(exc)}{retry}"


def _assembly_scope(incident: Incident) -> str:
    return f"{incident.id}.assembly"


class WarRoomAssembler:
    def __init__(
        self,
        store: Incidents,
        audit: AuditLog,
        slack: SlackGateway,
        directory: Directory,
        metrics: Metrics,
        *,
        announce_channel: str | None,
        checklist_config: ChecklistConfig,
        clock: Callable[[], datetime] = utcnow,
        max_lookup_concurrency: int = 8,
        on_assembled: Callable[[Incident], None] | None = None,
        after_step: StepHook | None = None,
        max_name_attempts: int = 5,
        context_snapshot: ContextSnapshotter | None = None,
        similar_incidents: SimilarIncidents | None = None,
        default_responders: tuple[str, ...] = (),
        public_rooms: frozenset[Severity] = frozenset(),
        oncall: OnCallLookup | None = None,
        user_ids: UserIdsByEmail | None = None,
    ) -> None:
        """`after_step` runs after each step is recorded (tests use it to simulate a crash);
        `user_ids` keeps email lookups between rooms (one per assembler unless given)."""
        self._store = store
        self._audit = audit
        self._slack = slack
        self._metrics = metrics
        self._announce_channel = announce_channel
        self._clock = clock
        self._resolver = ResponderResolver(
            slack,
            directory,
            max_lookup_concurrency=max_lookup_concurrency,
            fallback=default_responders,
            oncall=oncall,
            user_ids=user_ids,
        )
        self._on_assembled = on_assembled
        self._runner: StepRunner[Room, StepName] = StepRunner(
            audit,
            book=StepBook.ASSEMBLY,
            scope=_assembly_scope,
            tolerate=(SlackCallFailed,),
            actor=ACTOR,
            describe=describe_failure,
            clock=clock,
            after_step=after_step,
        )
        # The step table: one line per step. The channel first, then the room steps side by side.
        room_steps: tuple[RoomStep, ...] = (
            TopicStep(slack),
            InvitesStep(slack, audit),
            ContextMessageStep(slack),
            ChecklistStep(slack, audit, checklist_config),
            BookmarksStep(slack),
            AnnouncementStep(slack, announce_channel),
        )
        # After the assembled mark, side by side: helps for the room, not what makes it usable.
        after: tuple[RoomStep, ...] = ()
        if context_snapshot:
            after += (ContextSnapshotStep(slack, context_snapshot),)
        if similar_incidents:
            after += (SimilarIncidentsStep(slack, similar_incidents),)
        self.after_assembly = after
        opener = ChannelOpener(
            slack, store, max_name_attempts=max_name_attempts, public_rooms=public_rooms
        )
        self.stages: tuple[Stage[Room, StepName], ...] = (
            Stage((ChannelStep(opener),)),
            Stage(room_steps, side_by_side=True),
        )

    # -- the run -----------------------------------------------------------------------

    def assemble(self, incident_id: str) -> Incident:
        """Assemble (or resume assembling) the war room; returns the stored incident.

        A channel that cannot be created leaves the incident in assembly_failed and is
        returned, not raised; store outages (BackendUnavailable) propagate for a retry.
        """
        incident = self._store.get(incident_id, consistent=True)
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        if not incident.is_open:
            log.info("incident %s is %s; no war room", incident_id, incident.status.value)
            return incident
        if is_assembled(incident) and not self._after_steps(incident):
            return incident
        room = Room(IncidentLedger(self._store, incident))
        self._start(room)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="responders") as lookup:
            # Responders are looked up while the channel is being created.
            if not self._runner.is_recorded(incident, StepName.INVITES):
                room.responders = lookup.submit(self._resolver.resolve, incident)
            report = self._runner.run(room.ledger, room, self.stages)
            if report.fatal:
                step, exc = report.fatal
                return self._fail(room, step, exc)
        finished = self._finish(room)
        problems = report.problems
        steps = self._after_steps(finished)
        if steps and finished.is_open:
            after = self._runner.run(room.ledger, room, (Stage(steps, side_by_side=True),))
            problems = [*problems, *after.problems]
        self._report_problems(room, problems)
        return room.incident

    def _after_steps(self, incident: Incident) -> tuple[RoomStep, ...]:
        """The steps the mark named that are still to run (and this assembler still has)."""
        then = still_after_assembly(incident)
        return tuple(step for step in self.after_assembly if step.name in then)

    def _start(self, room: Room) -> None:
        if room.incident.status not in {
            IncidentStatus.TRIGGERED,
            IncidentStatus.ASSEMBLY_FAILED,
        }:
            return
        at = self._clock()

        def to_assembling(current: Incident) -> Incident:
            if current.status not in {IncidentStatus.TRIGGERED, IncidentStatus.ASSEMBLY_FAILED}:
                return current
            return current.transition(IncidentStatus.ASSEMBLING, at=at)

        room.ledger.apply(to_assembling)
        self._audit.append(
            room.incident.id,
            actor=ACTOR,
            action=AuditAction.ASSEMBLY_STARTED,
            details={"resumed_steps": sorted(room.incident.assembly)},
        )

    def _finish(self, room: Room) -> Incident:
        if not room.building:
            return room.incident  # resumed steps of a live room
        at = self._clock()

        def to_investigating(current: Incident) -> Incident:
            # Someone may have acknowledged, set the state or resolved while the room was
            # being built; their state stands, and the assembly is still timed and reported.
            moved = current
            if current.status is IncidentStatus.ASSEMBLING:
                moved = current.transition(IncidentStatus.INVESTIGATING, at=at)
            if moved.assembly_seconds is not None:
                return moved
            assembled_at = moved.assembled_at or at
            seconds = max(0.0, (assembled_at - moved.triggered_at).total_seconds())
            # The mark also names the steps still to run after it, in the same write, so a
            # crash before they are recorded leaves them for the retry to finish.
            mark = AssemblyStep(
                done_at=assembled_at,
                seconds=round(seconds, 4),
                detail={"then": [step.name.value for step in self.after_assembly]},
            )
            return moved.model_copy(
                update={
                    "assembly_seconds": round(seconds, 4),
                    "assembly": {**moved.assembly, StepName.ASSEMBLED.value: mark},
                }
            )

        finished = room.ledger.apply(to_investigating)
        if finished.assembly_seconds is not None:
            self._metrics.war_room_assembled(finished.severity.value, finished.assembly_seconds)
        self._audit.append(
            finished.id,
            actor=ACTOR,
            action=AuditAction.ASSEMBLY_COMPLETED,
            details={
                "assembly_seconds": finished.assembly_seconds,
                "steps": {name: step.seconds for name, step in finished.assembly.items()},
                "missing": [s.value for s in REQUIRED_STEPS if s.value not in finished.assembly],
            },
        )
        if self._on_assembled and finished.is_open:
            self._on_assembled(finished)
        return finished

    def _fail(self, room: Room, step: StepName, exc: Exception) -> Incident:
        reason = str(exc)
        at = self._clock()

        def to_failed(current: Incident) -> Incident:
            if current.status is not IncidentStatus.ASSEMBLING:
                return current
            return current.transition(IncidentStatus.ASSEMBLY_FAILED, at=at)

        failed = room.ledger.apply(to_failed)
        log.error("war room for %s failed at %s: %s", failed.id, step.value, reason)
        self._audit.append(
            failed.id,
            actor=ACTOR,
            action=AuditAction.ASSEMBLY_FAILED,
            details={"step": step.value, "reason": reason},
        )
        if self._announce_channel:
            text = (
                f":warning: Could not open the war room for {failed.severity.value} "
                f"*{escape(failed.title)}* (`{failed.id}`): {escape(reason)}. "
                f"Retry with `/marshal assemble {failed.id}`."
            )
            try:
                self._slack.post_message(self._announce_channel, text)
            except SlackCallFailed as post_exc:
                log.error("could not announce the failure of %s: %s", failed.id, post_exc)
        return failed

    def _report_problems(self, room: Room, problems: list[str]) -> None:
        if not problems:
            return
        lines = "\n".join(f"• {problem}" for problem in problems)
        text = f":warning: Parts of this war room could not be set up:\n{lines}"
        try:
            self._slack.post_message(room.channel_id, text)
        except SlackCallFailed as exc:
            log.error("could not report assembly problems in %s: %s", room.channel_id, exc)
