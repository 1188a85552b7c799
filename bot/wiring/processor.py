"""The processor: Slack app (Socket Mode), queue consumer and its event handlers.

Reading top to bottom is following an alert: the consumer takes ALERT_RECEIVED off the queue
and the war-room assembler turns it into a room in the Slack this process is connected to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from bot.domain.models import Alert, Incident
from bot.events.consumer import QueueConsumer
from bot.events.registry import EventRegistry
from bot.events.room_message import room_message
from bot.events.sla_check import sla_check
from bot.ports.queue import EventType
from bot.services.intake import AlertIntake
from bot.settings import Settings
from bot.slack.gateway import build_web_client
from bot.slack.nudge_routes import NudgeRoutes
from bot.slack.runbook_actions import RunbookButtons
from bot.wiring.backends import Backends
from bot.wiring.followups import build_followups
from bot.wiring.incident_cards import watch_incidents
from bot.wiring.ingress import build_intake
from bot.wiring.listen import Listeners
from bot.wiring.nudges import build_nudges
from bot.wiring.operations import build_operations, recover_runs
from bot.wiring.operator_api import WriteSide
from bot.wiring.paging import paging_for
from bot.wiring.process import ProcessGroup
from bot.wiring.resolution import build_resolution
from bot.wiring.slack import SlackFeatures, build_slack_side, start_slack_app
from bot.wiring.slack_target import start_slack_target, with_sandbox_status_page
from bot.wiring.war_room import build_war_room


@dataclass(frozen=True)
class RunningProcessor:
    sandbox_url: str | None
    statuspage_url: str | None = None  # where the sandbox status page shows what was published
    writes: WriteSide | None = None  # the operator API's writes go through its registry


def declare_with(intake: AlertIntake) -> partial[Incident]:
    """`/marshal declare` goes through the same intake as a webhook alert."""
    return partial(_declare, intake)


def _declare(intake: AlertIntake, alert: Alert) -> Incident:
    accepted = intake.submit(alert)
    assert accepted is not None, "a firing alert always lands on an incident"
    return accepted.incident


def start_processor(
    group: ProcessGroup, settings: Settings, backends: Backends, listeners: Listeners | None = None
) -> RunningProcessor:
    backends = watch_incidents(backends)  # every incident write reaches the incident cards
    target = start_slack_target(group, settings, listeners)
    settings = with_sandbox_status_page(settings, target)
    web_client = build_web_client(target.bot_token, target.api_url)
    # one gateway, one permission cache, one gate: built first, shared by everything below
    slack = build_slack_side(settings, backends.store, backends.audit, web_client)
    store, audit, queue = backends.store, backends.audit, backends.queue
    draft = slack.drafting.draft_from_update  # a nudge's "post an update" starts a draft
    nudges = build_nudges(settings, store, audit, slack.gateway, queue, start_draft=draft)
    nudge_routes = NudgeRoutes(nudges.interactions)
    paging = paging_for(settings, backends, slack, target.sandbox_url, nudges.scheduler)
    on_assembled = paging.on_assembled  # the nudges' plan, then level 1 of the escalation
    war_room = build_war_room(
        settings, backends, slack.gateway, on_assembled=on_assembled, group=group
    )
    resolution = build_resolution(
        settings,
        backends,
        slack.gateway,
        slack.permissions,
        public=slack.drafting,
        nudges=paging.on_resolve,
        sla=nudges.scheduler,
    )
    followups = build_followups(settings, store, audit, slack.gateway, slack.permissions)
    operations = build_operations(settings, audit, store, slack.gateway)
    runbook_buttons = RunbookButtons(operations.confirmation, slack.gateway)
    features = SlackFeatures(
        declare_with(build_intake(settings, backends)),
        actions=(
            *war_room.actions,
            *resolution.actions,
            *nudge_routes.actions(),
            *followups.routes.actions(),
            *runbook_buttons.routes(),
        ),
        views=(*nudge_routes.views(), *followups.routes.views()),
        silence=nudges.silence,
        assembler=war_room.assembler,
        checklist=war_room.checklist,
        resolution=resolution.starter,
        followups=followups.desk,
        operations=operations.previews,
        paging=paging,
    )
    running = start_slack_app(
        settings, store, audit, slack, app_token=target.app_token, features=features
    )
    group.started("slack", running.stop)

    events = EventRegistry()
    paging.serve(group, events, on_alert=war_room.on_alert)  # ALERT_RECEIVED, PAGE_*, timer
    events.register(EventType.ALERT_RESOLVED, resolution.on_alert_resolved)
    events.register(EventType.INCIDENT_RESOLVED, resolution.on_resolved)
    events.register(EventType.SLA_CHECK, sla_check(nudges.scheduler.reminders))
    events.register(EventType.ROOM_MESSAGE, room_message(slack.gateway, backends.store))
    consumer = QueueConsumer(
        backends.queue, events, visibility_seconds=settings.marshal_queue_visibility_seconds
    )
    consumer.start()
    group.started("consumer", partial(consumer.stop, timeout=3.0))
    recover_runs(group, operations.executor)  # runs a crash cut off: resumed or failed
    nudges.scheduler.start()  # rebuilds every nudge and reminder from the store
    group.started("nudges", nudges.scheduler.stop)
    followups.jobs.start()  # overdue reminders (and the digest) read the store each firing
    group.started("followups", followups.jobs.stop)
    writes = WriteSide(running.registry)  # the operator writes (API, console) run through it
    return RunningProcessor(target.sandbox_url, target.public_page_url, writes)
