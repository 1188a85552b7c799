"""A paging rig: SQLite store, audit log and local queue in temp files, the sandbox Slack
over HTTP, a fake PagerDuty on a local port, one P1 incident with a war room; and
`processor()`, which builds the paging side as one more process would (its own database
connections, timer and queue consumer), so tests can run two, crash one, restart."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.adapters.pagers.pagerduty_events import PagerDutyEvents
from bot.adapters.pagers.pagerduty_rest import PagerDutyIncidents
from bot.adapters.pagers.slack_dm import SlackDmPager
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.sqlite.local_queue import LocalQueue
from bot.domain.audit import AuditAction
from bot.domain.escalation import TargetKind, parse_policies
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.events.consumer import QueueConsumer
from bot.events.page_by_hand import page_by_hand
from bot.events.page_step import page_step
from bot.events.page_sync import page_sync
from bot.events.registry import EventRegistry
from bot.ports.pager import Pager
from bot.ports.queue import EventType
from bot.sandbox.server import SandboxSlack
from bot.services.nudges.scheduler import default_owner
from bot.services.paging.by_hand import PageByHand
from bot.services.paging.control import PagingControl
from bot.services.paging.escalation import Escalation
from bot.services.paging.rules import PagingRules
from bot.services.paging.sender import PageSender
from bot.services.paging.timer import EscalationTimer
from bot.services.permissions import IncidentPermissions
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from bot.slack.vocabulary import ActionId
from tests.fakes.pagerduty import FakePagerDuty

_rooms = itertools.count(1)

POLICY = {
    "policies": {
        "standard": {
            "levels": [
                {"targets": ["pagerduty:R0UTINGKEYPRIMARY", "slack:U0ALICE"], "after": "1s"},
                {"targets": ["pagerduty:R0UTINGKEYLEAD", "slack:S0ONCALL"], "after": "1s"},
            ],
            "repeat": 0,
        }
    },
    "default": "standard",
}


@dataclass
class Processor:
    escalation: Escalation
    control: PagingControl
    by_hand: PageByHand
    timer: EscalationTimer
    consumer: QueueConsumer
    queue: LocalQueue
    running: bool = False

    def start(self) -> Processor:
        self.consumer.start()
        self.timer.start()
        self.running = True
        return self

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.timer.stop()
            self.consumer.stop(timeout=3.0)


@dataclass
class PagingRig:
    path: Path
    queue_path: Path
    sandbox: SandboxSlack
    pagerduty: FakePagerDuty
    store: SqliteIncidentStore
    audit: SqliteAuditLog
    slack: WebClientSlackGateway
    incident: Incident
    policy: dict[str, Any] = field(default_factory=lambda: POLICY)
    approvers: list[str] = field(default_factory=list)
    processors: list[Processor] = field(default_factory=list)

    def processor(self, *, reconcile_seconds: float = 0.5, lease_seconds: int = 120) -> Processor:
        database = SqliteDatabase(self.path)
        store = SqliteIncidentStore(database)
        audit = SqliteAuditLog(database)
        queue = LocalQueue(self.queue_path)
        pagers: dict[TargetKind, Pager] = {
            TargetKind.PAGERDUTY: PagerDutyEvents(self.pagerduty.events_url, sleep=lambda _: None),
            TargetKind.SLACK: SlackDmPager(self.slack),
        }
        sender = PageSender(
            store, audit, pagers, owner=default_owner(), lease_seconds=lease_seconds
        )
        rules = PagingRules(policies=parse_policies(self.policy))
        origin = PagerDutyIncidents(self.pagerduty.url, _token(self.pagerduty), "ic@example.com")
        escalation = Escalation(
            store, audit, self.slack, queue, rules=rules, sender=sender, origin_sync=origin
        )
        timer = EscalationTimer(store, queue, escalation, reconcile_seconds=reconcile_seconds)
        escalation.on_change = timer.schedule_incident
        permissions = IncidentPermissions(self.approvers, self.slack)
        by_hand = PageByHand(
            store, audit, queue, escalation=escalation, sender=sender, permissions=permissions
        )
        events = EventRegistry()
        events.register(EventType.PAGE_BY_HAND, page_by_hand(by_hand))
        events.register(EventType.PAGE_STEP, page_step(escalation))
        events.register(EventType.PAGE_SYNC, page_sync(escalation))
        consumer = QueueConsumer(
            queue, events, wait_seconds=0.1, retry_delay_seconds=1, visibility_seconds=5
        )
        control = PagingControl(
            store, audit, self.slack, queue, escalation=escalation, permissions=permissions
        )
        processor = Processor(escalation, control, by_hand, timer, consumer, queue)
        self.processors.append(processor)
        return processor

    def reload(self) -> Incident:
        incident = self.store.get(self.incident.id)
        assert incident is not None
        return incident

    def page_dms(self) -> list[dict[str, Any]]:
        """Every page DM (with the Acknowledge button) sent for this incident."""
        found = []
        for call in self.sandbox.calls("chat.postMessage"):
            blocks = str(call.args.get("blocks"))
            if ActionId.ACKNOWLEDGE_PAGE.value in blocks and self.incident.id in blocks:
                found.append(call.args)
        return found

    def room_texts(self) -> list[str]:
        assert self.incident.channel_id
        return [str(m.get("text")) for m in reversed(self.slack.history(self.incident.channel_id))]

    def actions(self, action: AuditAction) -> list[dict[str, Any]]:
        return [e.details for e in self.audit.events(self.incident.id) if e.action is action]


def _token(fake: FakePagerDuty) -> SecretStr:
    return SecretStr(fake.token)


def open_incident(store: SqliteIncidentStore, channel_id: str, **changes: Any) -> Incident:
    values: dict[str, Any] = {
        "source": AlertSource.GENERIC,
        "group_key": f"g-{channel_id}",
        "title": "Checkout API 5xx",
        "severity": Severity.P1,
        "status": IncidentStatus.INVESTIGATING,
        "channel_id": channel_id,
        "service": "checkout",
    }
    incident = Incident(**{**values, **changes})
    stored, created = store.create_if_absent(incident)
    assert created
    return stored


@pytest.fixture
def paging(tmp_path: Path, sandbox: SandboxSlack) -> Iterator[PagingRig]:
    pagerduty = FakePagerDuty()
    pagerduty.start()
    path = tmp_path / "marshal.db"
    database = SqliteDatabase(path)
    store = SqliteIncidentStore(database)
    slack = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    channel = slack.create_private_channel(f"inc-page-{next(_rooms)}")
    rig = PagingRig(
        path=path,
        queue_path=tmp_path / "queue.db",
        sandbox=sandbox,
        pagerduty=pagerduty,
        store=store,
        audit=SqliteAuditLog(database),
        slack=slack,
        incident=open_incident(store, channel.id),
    )
    yield rig
    for processor in rig.processors:
        processor.stop()
        processor.queue.close()
    pagerduty.stop()
