"""build_paging: escalation policies, pagers, the Escalation service, its timer, the
commands' PagingControl and the page DM's Acknowledge button, from settings and ports.

start_processor passes `timer.schedule_incident` into the war room's on_assembled,
`ResolvedAlsoSyncsPagers` to the resolve flow, `control` to the command catalog, `actions`
to the Bolt app, and registers PAGE_STEP / PAGE_SYNC; the timer starts with the process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bot.adapters.pagers.escalation_file import load_escalation_file
from bot.adapters.pagers.grafana_oncall import GrafanaOnCallPager
from bot.adapters.pagers.opsgenie import OpsgeniePager
from bot.adapters.pagers.pagerduty_events import PagerDutyEvents
from bot.adapters.pagers.pagerduty_rest import PagerDutyIncidents
from bot.adapters.pagers.slack_dm import SlackDmPager
from bot.domain.escalation import EMPTY, TargetKind, parse_policies
from bot.domain.models import Incident, utcnow
from bot.events.page_by_hand import page_by_hand
from bot.events.page_step import page_step
from bot.events.page_sync import page_sync
from bot.events.pager_acknowledged import with_pager_acknowledgement
from bot.events.registry import EventRegistry
from bot.ports.pager import IncidentSync, Pager
from bot.ports.queue import EventType, QueueMessage
from bot.ports.slack import SlackGateway
from bot.sandbox.pager import ENQUEUE_PATH, SANDBOX_ESCALATION
from bot.services.nudges.scheduler import default_owner
from bot.services.paging.bulk import BulkPaging
from bot.services.paging.bulk_runs import BulkRuns
from bot.services.paging.by_hand import PageByHand
from bot.services.paging.commands import PagingCommands
from bot.services.paging.control import PagingControl
from bot.services.paging.escalation import Escalation
from bot.services.paging.hooks import ResolvedAlsoSyncsPagers, also_page
from bot.services.paging.rules import PagingRules
from bot.services.paging.sender import PageSender
from bot.services.paging.timer import EscalationTimer
from bot.services.permissions import IncidentPermissions
from bot.services.resolution.hooks import NudgeControl
from bot.settings import Settings
from bot.slack.actions import ActionInvocation, ActionRoute
from bot.slack.vocabulary import ActionId
from bot.wiring.backends import Backends
from bot.wiring.operations import build_runs_store
from bot.wiring.process import ProcessGroup

if TYPE_CHECKING:  # bot.wiring.slack takes a PagingStack in its SlackFeatures
    from bot.wiring.slack import SlackSide


@dataclass(frozen=True)
class PagingStack:
    escalation: Escalation
    control: PagingControl
    timer: EscalationTimer
    actions: tuple[ActionRoute, ...]
    by_hand: PageByHand
    bulk: BulkPaging
    nudges: NudgeScheduling | None = None  # the NudgeScheduler, for the two hooks below

    @property
    def on_assembled(self) -> Callable[[Incident], None]:
        """The war room's on_assembled: the nudges' plan, then level 1."""
        assert self.nudges is not None, "start_paging sets the nudges"
        return self.also(self.nudges)

    @property
    def on_resolve(self) -> ResolvedAlsoSyncsPagers:
        """The resolve flow's NudgeControl: stop the nudges, then resolve the pagers."""
        assert self.nudges is not None, "start_paging sets the nudges"
        return self.resolving(self.nudges)

    @property
    def commands(self) -> PagingCommands:
        return PagingCommands(self.control, self.by_hand, self.bulk)

    def also(self, nudges: NudgeHook) -> Callable[[Incident], None]:
        """The war room's on_assembled: the nudges' plan, then level 1 (through the timer)."""
        return also_page(nudges.schedule_incident, self.timer.schedule_incident)

    def resolving(self, nudges: NudgeControl) -> ResolvedAlsoSyncsPagers:
        """The resolve flow's NudgeControl: stop the nudges, then resolve the pagers."""
        return ResolvedAlsoSyncsPagers(nudges, self.escalation)

    def serve(
        self,
        group: ProcessGroup,
        events: EventRegistry,
        *,
        on_alert: Callable[[QueueMessage], None],
    ) -> None:
        """Register ALERT_RECEIVED (with the pager's own acknowledgement) and the paging
        events, and start the escalation timer (rebuilt from the store) in `group`."""
        self.timer.start()
        group.started("paging", self.timer.stop)
        events.register(
            EventType.ALERT_RECEIVED, with_pager_acknowledgement(on_alert, self.escalation)
        )
        events.register(EventType.PAGE_STEP, page_step(self.escalation))
        events.register(EventType.PAGE_SYNC, page_sync(self.escalation))
        events.register(EventType.PAGE_BY_HAND, page_by_hand(self.by_hand))


class NudgeHook(Protocol):
    def schedule_incident(self, incident: Incident) -> None: ...


class NudgeScheduling(NudgeHook, NudgeControl, Protocol):
    """The NudgeScheduler as paging's hooks chain it."""


def paging_for(
    settings: Settings,
    backends: Backends,
    slack: SlackSide,
    sandbox_url: str | None,
    nudges: NudgeScheduling,
) -> PagingStack:
    """build_paging for the processor: on the Slack side, chained to the nudges' hooks."""
    built = build_paging(
        settings, backends, slack.gateway, slack.permissions, sandbox_url=sandbox_url
    )
    return replace(built, nudges=nudges)


def paging_rules(settings: Settings, *, sandbox: bool = False) -> PagingRules:
    """Raises ConfigurationError (one line) for a bad MARSHAL_ESCALATION_FILE. With the
    sandbox Slack and no file, the sandbox's own policy (bot/sandbox/pager.py)."""
    path = settings.marshal_escalation_file
    policies = load_escalation_file(path) if path else EMPTY
    if sandbox and not path:
        policies = parse_policies(SANDBOX_ESCALATION)
    return PagingRules(policies=policies, severities=frozenset(settings.marshal_page_severities))


def events_url(settings: Settings, sandbox_url: str | None) -> str:
    """PAGERDUTY_EVENTS_URL, or the sandbox's fake Events API when the sandbox Slack runs
    and no real pager is set (the URL left at its default, no PagerDuty token)."""
    default = type(settings).model_fields["pagerduty_events_url"].default
    unset = settings.pagerduty_events_url == default and not settings.pagerduty_api_token
    return (
        sandbox_url.rstrip("/") + ENQUEUE_PATH
        if sandbox_url and unset
        else settings.pagerduty_events_url
    )


def build_paging(
    settings: Settings,
    backends: Backends,
    slack: SlackGateway,
    permissions: IncidentPermissions,
    *,
    sandbox_url: str | None = None,
    clock: Callable[[], datetime] = utcnow,
    reconcile_seconds: float = 30.0,
) -> PagingStack:
    store, audit, queue = backends.store, backends.audit, backends.queue
    pagers: dict[TargetKind, Pager] = {
        TargetKind.PAGERDUTY: PagerDutyEvents(events_url(settings, sandbox_url)),
        TargetKind.SLACK: SlackDmPager(slack),
    }
    if settings.opsgenie_api_key:
        pagers[TargetKind.OPSGENIE] = OpsgeniePager(
            settings.opsgenie_api_url, settings.opsgenie_api_key
        )
    if settings.grafana_oncall_api_url and settings.grafana_oncall_api_token:
        pagers[TargetKind.GRAFANA_ONCALL] = GrafanaOnCallPager(
            settings.grafana_oncall_api_url, settings.grafana_oncall_api_token
        )
    origin: IncidentSync | None = None
    if settings.pagerduty_api_token and settings.pagerduty_from:
        origin = PagerDutyIncidents(
            settings.pagerduty_api_url, settings.pagerduty_api_token, settings.pagerduty_from
        )
    sender = PageSender(store, audit, pagers, owner=default_owner(), clock=clock)
    escalation = Escalation(
        store, audit, slack, queue,
        rules=paging_rules(settings, sandbox=sandbox_url is not None), sender=sender,
        origin_sync=origin, clock=clock,
    )  # fmt: skip
    timer = EscalationTimer(
        store, queue, escalation, clock=clock, reconcile_seconds=reconcile_seconds
    )
    escalation.on_change = timer.schedule_incident
    control = PagingControl(
        store, audit, slack, queue, escalation=escalation, permissions=permissions, clock=clock
    )

    by_hand = PageByHand(
        store, audit, queue, escalation=escalation, sender=sender, permissions=permissions
    )
    runs = BulkRuns(build_runs_store(settings), audit, clock)
    bulk = BulkPaging(store, control, owner=default_owner(), clock=clock, runs=runs)
    return PagingStack(escalation, control, timer, paging_routes(control, bulk), by_hand, bulk)


def paging_routes(control: PagingControl, bulk: BulkPaging) -> tuple[ActionRoute, ...]:
    """The page DM's Acknowledge button and the bulk preview's Confirm / Cancel."""

    def acknowledge(action: ActionInvocation) -> str:
        return control.acknowledge_by_id(action.value, action.user_id)

    def confirm(action: ActionInvocation) -> str:
        return bulk.confirm(action.value, action.user_id)

    def cancel(action: ActionInvocation) -> str:
        return "Cancelled; nothing was changed."

    return (
        ActionRoute(ActionId.ACKNOWLEDGE_PAGE, acknowledge),
        ActionRoute(ActionId.CONFIRM_BULK, confirm),
        ActionRoute(ActionId.CANCEL_BULK, cancel),
    )
