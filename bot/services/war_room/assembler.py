"""WarRoomAssembler: turn an incident into a private, staffed, briefed Slack channel.

Order of work:
1. status -> assembling;
2. the channel (responders are resolved at the same time, on another thread);
3. side by side, the steps that only need the channel: topic/purpose, invites, context
   message, pinned checklist, bookmarks, announcement, and (when configured, never
   required) the live context snapshot;
4. status -> investigating, timings recorded, the nudge hook called.

Every finished step is written to `Incident.assembly` at once, so a retry after a crash
resumes at the unfinished steps. The channel id is written the moment Slack returns it,
and the name about to be created is written just before, so a retry never opens a second
room. Only the channel is critical: without it the incident goes to assembly_failed; any
other step that fails is named in the room and left for `/marshal assemble` to redo.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from datetime import datetime
from typing import Any

from bot.domain.audit import AuditAction
from bot.domain.errors import NotFound
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident, utcnow
from bot.observability.metrics import Metrics
from bot.ports.audit import AuditLog
from bot.ports.directory import Directory
from bot.ports.slack import Channel, InviteResult, SlackCallFailed, SlackGateway
from bot.ports.store import IncidentStore
from bot.services.slack_text import channel, clip, escape, escape_clipped, user
from bot.services.war_room.channel_name import channel_name
from bot.services.war_room.checklist import (
    ChecklistConfig,
    pin_checklist,
    post_and_pin_checklist,
)
from bot.services.war_room.context_message import context_text, render_context
from bot.services.war_room.context_snapshot import (
    ContextSnapshotter,
    render_snapshot,
    snapshot_text,
)
from bot.services.war_room.responders import ResponderResolver, Responders
from bot.services.war_room.steps import (
    OPTIONAL_ROOM_STEPS,
    ROOM_STEPS,
    IncidentLedger,
    StepName,
)

log = logging.getLogger(__name__)

ACTOR = "marshal"
_TEXT_LIMIT = 250  # Slack's limit for a channel topic and purpose
_BEFORE_ROOM = frozenset(
    {IncidentStatus.TRIGGERED, IncidentStatus.ASSEMBLING, IncidentStatus.ASSEMBLY_FAILED}
)
_ALREADY_MEMBER = frozenset({"already_in_channel", "cant_invite_self"})
REQUIRED_STEPS: tuple[StepName, ...] = (StepName.CHANNEL, *ROOM_STEPS)

StepHook = Callable[[StepName], None]


def is_assembled(incident: Incident) -> bool:
    """Every step recorded and the incident past assembly: `assemble` has nothing to do."""
    return incident.status not in _BEFORE_ROOM and all(
        step.value in incident.assembly for step in REQUIRED_STEPS
    )


def topic_for(incident: Incident) -> str:
    commander = user(incident.commander, nobody="unassigned")
    service = escape(incident.service or "unknown service")
    text = f"{incident.severity.value} · {service} · IC: {commander}"
    return clip(f"{text} · {escape(incident.title)}", _TEXT_LIMIT)


def purpose_for(incident: Incident) -> str:
    return clip(f"War room for incident {incident.id}: {escape(incident.title)}", _TEXT_LIMIT)


class _Room:
    """One assembly run: the ledger, the channel, and what went wrong along the way."""

    def __init__(self, ledger: IncidentLedger) -> None:
        self.ledger = ledger
        self.problems: list[str] = []
        # This run builds the room (not only redoing steps of a live one), so it finishes the
        # assembly even if a command moved the incident on meanwhile (`ack` mid-assembly).
        self.building = ledger.incident.status in _BEFORE_ROOM

    @property
    def channel_id(self) -> str:
        channel_id = self.ledger.incident.channel_id
        assert channel_id, "room steps run only after the channel step"
        return channel_id


class WarRoomAssembler:
    def __init__(
        self,
        store: IncidentStore,
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
    ) -> None:
        """`after_step` runs after each step is recorded (tests use it to simulate a crash)."""
        self._store = store
        self._audit = audit
        self._slack = slack
        self._metrics = metrics
        self._announce_channel = announce_channel
        self._checklist = checklist_config
        self._clock = clock
        self._resolver = ResponderResolver(
            slack, directory, max_lookup_concurrency=max_lookup_concurrency
        )
        self._on_assembled = on_assembled
        self._after_step = after_step
        self._max_name_attempts = max_name_attempts
        self._snapshot = context_snapshot
        self._steps = ROOM_STEPS + (OPTIONAL_ROOM_STEPS if context_snapshot else ())

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
        if is_assembled(incident):
            return incident
        room = _Room(IncidentLedger(self._store, incident))
        self._start(room)
        pending = [step for step in self._steps if step.value not in incident.assembly]
        with ThreadPoolExecutor(
            max_workers=len(self._steps) + 1, thread_name_prefix="room"
        ) as pool:
            responders = (
                pool.submit(self._resolver.resolve, incident)
                if StepName.INVITES in pending
                else None
            )
            try:
                self._channel_step(room)
            except SlackCallFailed as exc:
                return self._fail(room, StepName.CHANNEL, exc)
            futures = [pool.submit(self._room_step, room, step, responders) for step in pending]
            for future in as_completed(futures):
                future.result()  # re-raises anything that is not a tolerated Slack failure
        self._report_problems(room)
        return self._finish(room)

    def _start(self, room: _Room) -> None:
        if room.ledger.incident.status not in {
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
            room.ledger.incident.id,
            actor=ACTOR,
            action=AuditAction.ASSEMBLY_STARTED,
            details={"resumed_steps": sorted(room.ledger.incident.assembly)},
        )

    def _finish(self, room: _Room) -> Incident:
        incident = room.ledger.incident
        if not room.building:
            return incident  # resumed steps of a live room
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
            return moved.model_copy(update={"assembly_seconds": round(seconds, 4)})

        finished = room.ledger.apply(to_investigating)
        if finished.assembly_seconds is not None:
            self._metrics.assembly_seconds.labels(finished.severity.value).observe(
                finished.assembly_seconds
            )
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

    def _fail(self, room: _Room, step: StepName, exc: SlackCallFailed) -> Incident:
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

    def _report_problems(self, room: _Room) -> None:
        if not room.problems:
            return
        lines = "\n".join(f"• {problem}" for problem in room.problems)
        text = f":warning: Parts of this war room could not be set up:\n{lines}"
        try:
            self._slack.post_message(room.channel_id, text)
        except SlackCallFailed as exc:
            log.error("could not report assembly problems in %s: %s", room.channel_id, exc)

    def _done(
        self,
        room: _Room,
        step: StepName,
        started: float,
        detail: dict[str, Any] | None = None,
        *,
        also: Callable[[Incident], Incident] | None = None,
        audit: AuditAction | None = None,
    ) -> None:
        """Record the step, audit it (once, even when redone after a crash), run the hook."""
        detail = detail or {}
        incident = room.ledger.record_step(
            step,
            done_at=self._clock(),
            seconds=time.monotonic() - started,
            detail=detail,
            also=also,
        )
        if audit:
            self._audit.append(
                incident.id,
                actor=ACTOR,
                action=audit,
                details={"step": step.value, **detail},
                event_id=f"{incident.id}.assembly.{step.value}",
            )
        if self._after_step:
            self._after_step(step)

    # -- the channel -------------------------------------------------------------------

    def _channel_step(self, room: _Room) -> None:
        incident = room.ledger.incident
        if incident.channel_id:
            if StepName.CHANNEL.value not in incident.assembly:
                self._done(room, StepName.CHANNEL, time.monotonic(), {"reused": True})
            return
        started = time.monotonic()
        channel = self._create_channel(room)
        self._done(
            room,
            StepName.CHANNEL,
            started,
            {"channel_id": channel.id, "channel_name": channel.name},
            also=lambda current: current.model_copy(
                update={"channel_id": channel.id, "channel_name": channel.name}
            ),
            audit=AuditAction.WAR_ROOM_CREATED,
        )

    def _create_channel(self, room: _Room) -> Channel:
        incident = room.ledger.incident
        # A name recorded by an earlier run that crashed between create and record.
        planned = incident.channel_name
        for attempt in range(self._max_name_attempts):
            name = channel_name(incident.id, incident.title, attempt=attempt)
            if name != room.ledger.incident.channel_name:
                self._plan_name(room, name)
            try:
                return self._slack.create_private_channel(name)
            except SlackCallFailed as exc:
                if exc.error != "name_taken":
                    raise
            adopted = self._adopt(name, incident) if name == planned else None
            if adopted:
                return adopted
        # Every planned name belongs to someone else: forget the plan, or a retry would
        # mistake the last of them for a room an earlier run created.
        self._plan_name(room, None)
        raise SlackCallFailed(
            "conversations.create", f"name_taken for {self._max_name_attempts} names"
        )

    @staticmethod
    def _plan_name(room: _Room, name: str | None) -> None:
        def plan(current: Incident) -> Incident:
            return current.model_copy(update={"channel_name": name})

        room.ledger.apply(plan)

    def _adopt(self, name: str, incident: Incident) -> Channel | None:
        """The channel an earlier, crashed run created under the name it recorded first."""
        channel = self._slack.find_channel_by_name(name)
        if channel is None:
            return None
        owner = self._store.find_by_channel(channel.id)
        if owner is not None and owner.id != incident.id:
            return None
        log.info("incident %s: adopting channel %s from an earlier run", incident.id, name)
        return channel

    # -- the steps that need only the channel --------------------------------------------

    def _room_step(
        self, room: _Room, step: StepName, responders: Future[Responders] | None
    ) -> None:
        started = time.monotonic()
        try:
            if step is StepName.TOPIC:
                self._topic(room, started)
            elif step is StepName.INVITES:
                assert responders is not None
                self._invites(room, started, responders.result())
            elif step is StepName.CONTEXT_MESSAGE:
                self._context_message(room, started)
            elif step is StepName.CHECKLIST:
                self._checklist_step(room, started)
            elif step is StepName.BOOKMARKS:
                self._bookmarks(room, started)
            elif step is StepName.ANNOUNCEMENT:
                self._announcement(room, started)
            elif step is StepName.CONTEXT_SNAPSHOT:
                self._context_snapshot(room, started)
        except SlackCallFailed as exc:
            log.warning("incident %s: step %s failed: %s", room.ledger.incident.id, step, exc)
            # An optional step is not redone by `assemble` once the room counts as assembled.
            retry = "" if step in OPTIONAL_ROOM_STEPS else " (retry with `/marshal assemble`)"
            room.problems.append(f"{step.value.replace('_', ' ')}: {escape(exc)}{retry}")

    def _topic(self, room: _Room, started: float) -> None:
        incident = room.ledger.incident
        topic, purpose = topic_for(incident), purpose_for(incident)
        self._slack.set_topic(room.channel_id, topic)
        self._slack.set_purpose(room.channel_id, purpose)
        self._done(
            room,
            StepName.TOPIC,
            started,
            {"topic": topic},
            audit=AuditAction.ASSEMBLY_STEP_COMPLETED,
        )

    def _invites(self, room: _Room, started: float, responders: Responders) -> None:
        incident = room.ledger.incident
        result = (
            self._slack.invite(room.channel_id, responders.user_ids)
            if responders.user_ids
            else InviteResult()
        )
        failed = {u: e for u, e in result.failed.items() if e not in _ALREADY_MEMBER}
        invited = [u for u in responders.user_ids if u not in failed]
        # One event per outcome, not per user: 25 sequential audit writes would sit on the
        # room's critical path. The id is derived from the set so a resumed step dedups.
        if invited:
            self._audit.append(
                incident.id,
                actor=ACTOR,
                action=AuditAction.RESPONDER_INVITED,
                details={"user_ids": invited, "channel_id": room.channel_id},
                event_id=f"{incident.id}.invited.{_digest(invited)}",
            )
        not_invited = {**responders.unresolved, **failed}
        if not_invited:
            self._audit.append(
                incident.id,
                actor=ACTOR,
                action=AuditAction.RESPONDER_INVITE_FAILED,
                details={"failures": not_invited},
                event_id=f"{incident.id}.invite-failed.{_digest(sorted(not_invited))}",
            )
        room.problems.extend(
            f"could not invite {escape(who)}: {escape(why)}" for who, why in not_invited.items()
        )
        if responders.directory_error:
            room.problems.append(
                f"the directory for team {escape(responders.team or '?')} was unavailable "
                f"({escape(responders.directory_error)}); invite the team by hand"
            )
        self._done(
            room,
            StepName.INVITES,
            started,
            {
                "invited": len(invited),
                "not_invited": len(not_invited),
                "directory_error": responders.directory_error,
            },
        )

    def _context_message(self, room: _Room, started: float) -> None:
        incident = room.ledger.incident
        ts = self._slack.post_message(
            room.channel_id, context_text(incident), blocks=render_context(incident)
        )
        self._done(
            room,
            StepName.CONTEXT_MESSAGE,
            started,
            {"ts": ts},
            audit=AuditAction.ASSEMBLY_STEP_COMPLETED,
        )

    def _checklist_step(self, room: _Room, started: float) -> None:
        incident = room.ledger.incident
        items = self._checklist.items_for(incident.severity)
        event_id = f"{incident.id}.assembly.{StepName.CHECKLIST.value}"
        if incident.checklist_ts is None:
            post_and_pin_checklist(
                self._slack, self._audit, room.ledger, items, actor=ACTOR, event_id=event_id
            )
        else:
            # An earlier run recorded the checklist and may have died before pinning it.
            pin_checklist(
                self._slack, self._audit, incident, items=len(items), actor=ACTOR, event_id=event_id
            )
        self._done(room, StepName.CHECKLIST, started, {"ts": room.ledger.incident.checklist_ts})

    def _bookmarks(self, room: _Room, started: float) -> None:
        incident = room.ledger.incident
        added: list[str] = []
        for link in incident.links:
            try:
                self._slack.add_bookmark(
                    room.channel_id, escape_clipped(link.title, _TEXT_LIMIT), link.url
                )
                added.append(link.url)
            except SlackCallFailed as exc:
                room.problems.append(f"bookmark {escape(link.title)}: {escape(exc.error)}")
        self._done(
            room, StepName.BOOKMARKS, started, {"urls": added}, audit=AuditAction.BOOKMARKS_ADDED
        )

    def _announcement(self, room: _Room, started: float) -> None:
        incident = room.ledger.incident
        if not self._announce_channel:
            self._done(room, StepName.ANNOUNCEMENT, started, {"skipped": "no announce channel"})
            return
        drill = " (drill)" if incident.drill else ""
        text = (
            f":rotating_light: {incident.severity.value}{drill} *{escape(incident.title)}*"
            f" — war room {channel(room.channel_id)}"
        )
        ts = self._slack.post_message(self._announce_channel, text)
        self._done(
            room,
            StepName.ANNOUNCEMENT,
            started,
            {"channel": self._announce_channel, "ts": ts},
            audit=AuditAction.ANNOUNCED,
        )

    def _context_snapshot(self, room: _Room, started: float) -> None:
        assert self._snapshot is not None, "the step is planned only with a snapshotter"
        incident = room.ledger.incident
        snapshot = self._snapshot.take(incident)
        if snapshot is None:
            self._done(room, StepName.CONTEXT_SNAPSHOT, started, {"skipped": "not configured"})
            return
        ts = self._slack.post_message(
            room.channel_id, snapshot_text(incident, snapshot), blocks=render_snapshot(snapshot)
        )
        self._done(
            room,
            StepName.CONTEXT_SNAPSHOT,
            started,
            {
                "ts": ts,
                "configured_for": snapshot.name,
                "sections": [s.title for s in snapshot.sections],
                "unavailable": snapshot.unavailable,
            },
            audit=AuditAction.CONTEXT_SNAPSHOT_ATTACHED,
        )


def _digest(values: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(values)).encode()).hexdigest()[:16]
