"""Overdue follow-ups over the sandbox Slack: the owner's DM when one passes its due date and
weekly after, the room told once for a P1/P2 one (the announce channel once the room is
archived), each exactly once across repeated sweeps and concurrent sweepers."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.domain.audit import AuditAction
from bot.domain.errors import BackendUnavailable
from bot.domain.followups import FollowUp, FollowUpPriority, FollowUpStatus
from bot.domain.models import AlertSource, AssemblyStep, Incident
from bot.domain.severity import Severity
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from bot.services.followups.jobs import FollowUpJobs
from bot.services.followups.overdue import OverdueFollowUps
from bot.settings import Settings
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from bot.wiring.stores import build_audit_log, build_store, sqlite_database
from tests.contract.conftest import T0, FakeClock
from tests.eventually import eventually

OWNER = "U0BOB"
ANNOUNCE = "C0INCIDENTS"
_rooms = itertools.count(1)


@dataclass
class Rig:
    control: SandboxControl
    store: IncidentStore
    followups: SqliteFollowUpStore
    audit: AuditLog
    gateway: WebClientSlackGateway
    clock: FakeClock

    def reminders(self, owner: str = "sweeper-1") -> OverdueFollowUps:
        return OverdueFollowUps(
            self.followups,
            self.store,
            self.store,
            self.audit,
            self.gateway,
            owner=owner,
            announce_channel=ANNOUNCE,
            clock=self.clock,
        )

    def room(self, *, archived: bool = False) -> Incident:
        channel = self.gateway.create_private_channel(f"inc-overdue-{next(_rooms)}")
        resolution = {"archive": AssemblyStep(name="archive", done_at=T0)} if archived else {}
        incident, _ = self.store.create_if_absent(
            Incident(
                source=AlertSource.GENERIC,
                group_key=f"overdue:{channel.id}",
                title="checkout errors",
                severity=Severity.P1,
                channel_id=channel.id,
                resolution=resolution,
            )
        )
        return incident

    def followup(
        self, incident: Incident, priority: FollowUpPriority, *, due_days: float = -0.5
    ) -> FollowUp:
        return self.followups.add(
            FollowUp(
                incident_id=incident.id,
                text="Add <!channel> a retry budget",
                owner=OWNER,
                due_at=self.clock.now + timedelta(days=due_days),
                priority=priority,
                incident_severity="P1",
                created_by="U0IC",
                created_at=T0 - timedelta(days=10),
            )
        )

    def posts_about(self, followup: FollowUp) -> list[dict[str, Any]]:
        return [
            call["args"]
            for call in self.control.calls("chat.postMessage")
            if followup.id in str(call["args"].get("text", ""))
        ]


@pytest.fixture(scope="module")
def rig(sandbox: SandboxSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    folder: Path = tmp_path_factory.mktemp("overdue")
    settings = Settings(marshal_db_path=folder / "marshal.db")
    store = build_store(settings)
    gateway = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    yield Rig(
        SandboxControl(sandbox.url),
        store,
        SqliteFollowUpStore(sqlite_database(settings)),
        build_audit_log(settings),
        gateway,
        FakeClock(T0),
    )


def test_owner_dm_then_weekly_and_one_room_notice(rig: Rig) -> None:
    room = rig.room()
    followup = rig.followup(room, FollowUpPriority.P1)
    not_yet = rig.followup(room, FollowUpPriority.P1, due_days=2)
    reminders = rig.reminders()

    first = reminders.sweep()
    assert (first.dms, first.room_notices) >= (1, 1)
    posts = rig.posts_about(followup)
    assert sorted(p["channel"] == room.channel_id for p in posts) == [False, True]
    assert all("<!channel>" not in str(p) for p in posts)  # outside text stays escaped
    assert rig.posts_about(not_yet) == []

    assert reminders.sweep() == type(first)()  # nothing new within the week
    assert len(rig.posts_about(followup)) == 2
    rig.clock.advance(7 * 86400)
    reminders.sweep()
    posts = rig.posts_about(followup)
    assert len(posts) == 3  # the first DM, the room notice, a week later the second DM
    assert [p["channel"] == room.channel_id for p in posts].count(True) == 1
    assert len(rig.posts_about(not_yet)) == 2
    sent = [
        e.details["to"]
        for e in rig.audit.events(room.id)
        if e.action is AuditAction.REMINDER_SENT and e.details["followup_id"] == followup.id
    ]
    assert sent.count("dm") == 2


def test_p3_is_not_announced_and_closed_ones_are_quiet(rig: Rig) -> None:
    room = rig.room()
    minor = rig.followup(room, FollowUpPriority.P3)
    closed = rig.followup(room, FollowUpPriority.P1)
    rig.followups.update(
        closed.closed(FollowUpStatus.DONE, by=OWNER, at=rig.clock.now), expected_version=0
    )
    rig.reminders().sweep()
    assert [p["channel"] == room.channel_id for p in rig.posts_about(minor)] == [False]
    assert rig.posts_about(closed) == []


def test_archived_room_is_told_through_the_announce_channel(rig: Rig) -> None:
    room = rig.room(archived=True)
    followup = rig.followup(room, FollowUpPriority.P2)
    rig.reminders().sweep()
    channels = sorted(p["channel"] for p in rig.posts_about(followup))
    assert ANNOUNCE in channels and room.channel_id not in channels


def test_concurrent_sweepers_send_each_message_once(rig: Rig) -> None:
    room = rig.room()
    followup = rig.followup(room, FollowUpPriority.P1)
    barrier = threading.Barrier(4)

    def sweep(owner: str) -> None:
        barrier.wait()
        rig.reminders(owner).sweep()

    threads = [threading.Thread(target=sweep, args=(f"sweeper-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(rig.posts_about(followup)) == 2  # one DM, one room notice


def test_jobs_sweep_at_start_and_survive_a_store_outage() -> None:
    calls: list[int] = []

    def sweep() -> None:
        calls.append(1)
        raise BackendUnavailable("store down")

    jobs = FollowUpJobs(sweep, sweep_seconds=1, start_delay_seconds=0)
    jobs.start()
    try:
        eventually(lambda: len(calls) >= 2, timeout=10)  # the outage did not stop the job
    finally:
        jobs.stop()
    with pytest.raises(ValueError, match="Wrong number of fields"):
        FollowUpJobs(sweep, digest=sweep, digest_cron="every monday")
