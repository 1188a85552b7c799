"""build_nudges: the NudgeScheduler and its companions, wired from settings and ports.

`marshal up` / `marshal processor` start `scheduler` in their ProcessGroup, pass
`silence` to the command catalog, the nudge routes (bot/slack/nudge_routes.py over
`interactions`) to the Bolt app, `scheduler.schedule_incident` to the WarRoomAssembler's
`on_assembled`, and `scheduler.reminders` to the SLA_CHECK handler. `start_draft` is the
drafting service's `draft_from_update`, built before the nudges (bot/wiring/slack.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.models import utcnow
from bot.ports.audit import AuditLog
from bot.ports.queue import Queue
from bot.ports.slack import SlackGateway
from bot.ports.store import IncidentStore
from bot.services.nudges.classifier import (
    LanguageModelStatusUpdateClassifier,
    StatusUpdateClassifier,
)
from bot.services.nudges.interactions import NudgeInteractions
from bot.services.nudges.policy import NudgePolicy, ReminderRule
from bot.services.nudges.scheduler import NudgeScheduler, default_owner
from bot.services.nudges.silence import NudgeSilence
from bot.services.nudges.status_updates import StatusDraftStarter, StatusUpdateRecorder
from bot.services.resolution.archiver import RoomArchiver
from bot.settings import Settings
from bot.wiring.resolution import archives_at_once, build_language_model


@dataclass(frozen=True)
class NudgeStack:
    scheduler: NudgeScheduler
    silence: NudgeSilence
    recorder: StatusUpdateRecorder
    interactions: NudgeInteractions


def build_nudges(
    settings: Settings,
    store: IncidentStore,
    audit: AuditLog,
    slack: SlackGateway,
    queue: Queue,
    *,
    start_draft: StatusDraftStarter | None = None,
    classifier: StatusUpdateClassifier | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> NudgeStack:
    if classifier is None:
        light = build_language_model(settings, settings.marshal_llm_light_model)
        classifier = LanguageModelStatusUpdateClassifier(light) if light else None
    archiver = (
        RoomArchiver(
            store,
            audit,
            slack,
            grace_seconds=settings.marshal_archive_after,
            owner=default_owner(),
            clock=clock,
        )
        if settings.marshal_archive_on_resolve and not archives_at_once(settings)
        else None
    )
    scheduler = NudgeScheduler(
        store,
        audit,
        slack,
        queue,
        nudge_policy(settings),
        classifier=classifier,
        clock=clock,
        archiver=archiver,
    )
    silence = NudgeSilence(store, audit, on_change=scheduler.schedule_incident, clock=clock)
    recorder = StatusUpdateRecorder(store, audit, slack, start_draft=start_draft, clock=clock)
    interactions = NudgeInteractions(
        store, slack, silence, recorder, command=settings.marshal_command
    )
    return NudgeStack(scheduler, silence, recorder, interactions)


def nudge_policy(settings: Settings) -> NudgePolicy:
    """The scheduler's and reminders' rules, from MARSHAL_NUDGE_INTERVAL and MARSHAL_REMINDER_*."""
    return NudgePolicy(
        intervals=dict(settings.marshal_nudge_interval),
        ic_unclaimed=ReminderRule(
            settings.marshal_reminder_ic_unclaimed, settings.marshal_reminder_ic_unclaimed_text
        ),
        inactive=ReminderRule(
            settings.marshal_reminder_inactive, settings.marshal_reminder_inactive_text
        ),
        postmortem_due=ReminderRule(
            settings.marshal_reminder_postmortem_due,
            settings.marshal_reminder_postmortem_due_text,
        ),
        command=settings.marshal_command,
    )
