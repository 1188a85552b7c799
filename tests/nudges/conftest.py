"""A nudge rig: SQLite store and audit log in a temp file, the sandbox Slack over HTTP, the
local queue, one war-room channel and one incident in it, and a clock the test moves."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.sqlite.local_queue import LocalQueue
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.sandbox.server import SandboxSlack
from bot.services.nudges.scheduler import NudgeScheduler
from bot.settings import Settings
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from bot.wiring.nudges import nudge_policy
from tests.fakes.anthropic import FakeAnthropic

_rooms = itertools.count(1)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Rig:
    path: Path
    sandbox: SandboxSlack
    settings: Settings
    clock: Clock
    store: SqliteIncidentStore
    audit: SqliteAuditLog
    slack: WebClientSlackGateway
    queue: LocalQueue
    incident: Incident
    schedulers: list[NudgeScheduler] = field(default_factory=list)

    def scheduler(self, **kwargs: Any) -> NudgeScheduler:
        """A scheduler as another process would build it: its own connections to the file."""
        database = SqliteDatabase(self.path)
        scheduler = NudgeScheduler(
            SqliteIncidentStore(database),
            SqliteAuditLog(database),
            self.slack,
            self.queue,
            nudge_policy(self.settings),
            clock=self.clock,
            **kwargs,
        )
        self.schedulers.append(scheduler)
        return scheduler

    def messages(self) -> list[dict[str, Any]]:
        """The war room's messages, oldest first."""
        assert self.incident.channel_id
        return list(reversed(self.slack.history(self.incident.channel_id)))

    def bot_texts(self) -> list[str]:
        return [str(m.get("text")) for m in self.messages() if m.get("bot_id")]

    def actions(self, action: AuditAction) -> list[dict[str, Any]]:
        return [e.details for e in self.audit.events(self.incident.id) if e.action is action]

    def reload(self) -> Incident:
        incident = self.store.get(self.incident.id)
        assert incident is not None
        return incident


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "marshal_nudge_interval": "P1=1h,P2=2h",
        "marshal_reminder_ic_unclaimed": "1d",
        "marshal_reminder_inactive": "7d",
        "marshal_reminder_postmortem_due": "2d",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def rig(tmp_path: Path, sandbox: SandboxSlack) -> Iterator[Rig]:
    path = tmp_path / "marshal.db"
    database = SqliteDatabase(path)
    store = SqliteIncidentStore(database)
    slack = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    channel = slack.create_private_channel(f"inc-nudge-{next(_rooms)}")
    slack.invite(channel.id, ["U0ALICE", "U0BOB"])
    # Real time, because the sandbox stamps messages with it; slot 1 is due one minute on.
    start = datetime.now(UTC)
    incident = Incident(
        source=AlertSource.GENERIC,
        group_key=f"g-{channel.id}",
        title="Checkout API 5xx",
        severity=Severity.P1,
        status=IncidentStatus.INVESTIGATING,
        channel_id=channel.id,
        oncall=["U0ALICE", "U0BOB"],
        triggered_at=start - timedelta(minutes=60),
        assembled_at=start - timedelta(minutes=59),
    )
    stored, created = store.create_if_absent(incident)
    assert created
    queue = LocalQueue(tmp_path / "queue.db")
    rig = Rig(
        path=path,
        sandbox=sandbox,
        settings=settings(),
        clock=Clock(start),
        store=store,
        audit=SqliteAuditLog(database),
        slack=slack,
        queue=queue,
        incident=stored,
    )
    yield rig
    for scheduler in rig.schedulers:
        scheduler.stop()
    queue.close()


@pytest.fixture
def claude() -> Iterator[FakeAnthropic]:
    """A fake Anthropic Messages API on a local port."""
    fake = FakeAnthropic()
    fake.start()
    yield fake
    fake.stop()
