"""The StepRunner over the real SQLite store and audit log: resume, record, audit once,
problems, critical failures, side-by-side stages and the after-step hook."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit import AuditAction
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.ports.slack import SlackCallFailed
from bot.services.steps.ledger import IncidentLedger, StepBook
from bot.services.steps.runner import Stage, StepDone, StepRunner
from bot.services.war_room.steps import StepName


@dataclass
class Parts:
    store: SqliteIncidentStore
    audit: SqliteAuditLog
    incident: Incident
    hooked: list[StepName] = field(default_factory=list)

    def runner(
        self, *, after_step: Callable[[StepName], None] | None = None
    ) -> StepRunner[list[str], StepName]:
        def hook(step: StepName) -> None:
            self.hooked.append(step)
            if after_step:
                after_step(step)

        return StepRunner(
            self.audit,
            book=StepBook.ASSEMBLY,
            scope=lambda incident: f"{incident.id}.assembly",
            tolerate=(SlackCallFailed,),
            after_step=hook,
        )

    def ledger(self) -> IncidentLedger:
        stored = self.store.get(self.incident.id, consistent=True)
        assert stored is not None
        return IncidentLedger(self.store, stored)


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[Parts]:
    database = SqliteDatabase(tmp_path / "marshal.db")
    store = SqliteIncidentStore(database)
    incident, _ = store.create_if_absent(
        Incident(source=AlertSource.GENERIC, group_key="g", title="t", severity=Severity.P2)
    )
    yield Parts(store, SqliteAuditLog(database), incident)
    database.close()


@dataclass
class FakeStep:
    """A step that notes its run in the context (a list) and does what it is told."""

    name: StepName
    done: StepDone = field(default_factory=StepDone)
    fails: Exception | None = None
    critical: bool = False
    before: Callable[[], Any] | None = None

    def run(self, ctx: list[str]) -> StepDone:
        ctx.append(self.name.value)
        if self.before:
            self.before()
        if self.fails:
            raise self.fails
        return self.done


class SimulatedCrash(Exception):
    pass


def test_recorded_steps_are_skipped_and_each_finished_step_is_recorded(parts: Parts) -> None:
    ledger = parts.ledger()
    ledger.record_step(StepName.TOPIC, done_at=parts.incident.triggered_at, seconds=0.1)
    ran: list[str] = []
    steps = (
        FakeStep(StepName.TOPIC),
        FakeStep(StepName.INVITES, StepDone({"invited": 3})),
    )

    report = parts.runner().run(ledger, ran, [Stage(steps)])

    assert ran == ["invites"] and report.problems == [] and report.fatal is None
    stored = parts.store.get(parts.incident.id)
    assert stored is not None
    assert stored.assembly["invites"].detail == {"invited": 3}
    assert stored.assembly["invites"].seconds >= 0
    assert parts.hooked == [StepName.INVITES]


def test_an_audited_step_is_audited_once_even_when_a_crash_makes_it_run_again(
    parts: Parts,
) -> None:
    class CrashBeforeRecord(IncidentLedger):
        def record_step(self, step: str, **options: Any) -> Incident:
            raise SimulatedCrash(step)  # the process dies after the audit, before the record

    step = FakeStep(
        StepName.BOOKMARKS, StepDone({"urls": ["u"]}, audit=AuditAction.BOOKMARKS_ADDED)
    )
    stored = parts.ledger().incident
    with pytest.raises(SimulatedCrash):
        parts.runner().run(CrashBeforeRecord(parts.store, stored), [], [Stage((step,))])

    ran: list[str] = []
    parts.runner().run(parts.ledger(), ran, [Stage((step,))])
    parts.runner().run(parts.ledger(), ran, [Stage((step,))])  # recorded now: skipped

    assert ran == ["bookmarks"]
    events = [
        e for e in parts.audit.events(parts.incident.id) if e.action is AuditAction.BOOKMARKS_ADDED
    ]
    assert len(events) == 1
    assert events[0].event_id == f"{parts.incident.id}.assembly.bookmarks"
    assert events[0].details == {"step": "bookmarks", "urls": ["u"]}


def test_a_crash_in_the_hook_leaves_the_step_recorded_and_audited(parts: Parts) -> None:
    def crash(step: StepName) -> None:
        raise SimulatedCrash(step)

    step = FakeStep(StepName.ANNOUNCEMENT, StepDone({"ts": "1"}, audit=AuditAction.ANNOUNCED))
    with pytest.raises(SimulatedCrash):
        parts.runner(after_step=crash).run(parts.ledger(), [], [Stage((step,))])

    assert "announcement" in parts.ledger().incident.assembly
    assert [e.action for e in parts.audit.events(parts.incident.id)] == [AuditAction.ANNOUNCED]


def test_a_tolerated_failure_is_a_problem_and_the_other_steps_still_run(parts: Parts) -> None:
    ran: list[str] = []
    steps = (
        FakeStep(StepName.TOPIC, fails=SlackCallFailed("conversations.setTopic", "too_long")),
        FakeStep(StepName.BOOKMARKS, StepDone(problems=("bookmark Runbook: invalid_link",))),
    )

    report = parts.runner().run(parts.ledger(), ran, [Stage(steps)])

    assert ran == ["topic", "bookmarks"]
    assert report.failed == [StepName.TOPIC]
    assert sorted(report.problems) == sorted(
        ["topic: Slack conversations.setTopic failed: too_long", "bookmark Runbook: invalid_link"]
    )
    assert set(parts.ledger().incident.assembly) == {"bookmarks"}


def test_an_error_the_flow_does_not_tolerate_propagates_unrecorded(parts: Parts) -> None:
    step = FakeStep(StepName.TOPIC, fails=RuntimeError("bug"))
    with pytest.raises(RuntimeError, match="bug"):
        parts.runner().run(parts.ledger(), [], [Stage((step,))])
    assert parts.ledger().incident.assembly == {}


def test_a_critical_failure_stops_the_run_and_is_handed_back(parts: Parts) -> None:
    ran: list[str] = []
    failure = SlackCallFailed("conversations.create", "restricted_action")
    stages = [
        Stage((FakeStep(StepName.CHANNEL, fails=failure, critical=True),)),
        Stage((FakeStep(StepName.TOPIC),)),
    ]

    report = parts.runner().run(parts.ledger(), ran, stages)

    assert ran == ["channel"]
    assert report.fatal == (StepName.CHANNEL, failure)
    assert report.problems == [] and parts.hooked == []


def test_a_stage_after_a_clean_run_waits_until_nothing_failed(parts: Parts) -> None:
    flaky = FakeStep(StepName.CHECKLIST, fails=SlackCallFailed("pins.add", "fatal_error"))
    stages = [
        Stage((flaky, FakeStep(StepName.TOPIC))),
        Stage((FakeStep(StepName.ANNOUNCEMENT),), after_clean_run=True),
    ]
    ran: list[str] = []
    parts.runner().run(parts.ledger(), ran, stages)
    assert ran == ["checklist", "topic"]

    flaky.fails = None
    parts.runner().run(parts.ledger(), ran, stages)
    assert ran == ["checklist", "topic", "checklist", "announcement"]
    assert set(parts.ledger().incident.assembly) == {"checklist", "topic", "announcement"}


def test_side_by_side_steps_run_at_the_same_time(parts: Parts) -> None:
    # Each step waits until all three are inside their run: only concurrent runs get there.
    together = threading.Barrier(3, timeout=10)
    steps = tuple(
        FakeStep(name, before=together.wait)
        for name in (StepName.TOPIC, StepName.INVITES, StepName.BOOKMARKS)
    )
    ran: list[str] = []

    report = parts.runner().run(parts.ledger(), ran, [Stage(steps, side_by_side=True)])

    assert sorted(ran) == ["bookmarks", "invites", "topic"] and report.problems == []
    assert set(parts.ledger().incident.assembly) == {"bookmarks", "invites", "topic"}


def test_a_step_can_change_the_incident_with_its_record(parts: Parts) -> None:
    step = FakeStep(
        StepName.CHANNEL,
        StepDone(
            {"channel_id": "C1"},
            also=lambda incident: incident.model_copy(update={"channel_id": "C1"}),
        ),
    )
    parts.runner().run(parts.ledger(), [], [Stage((step,))])
    stored = parts.ledger().incident
    assert stored.channel_id == "C1" and "channel" in stored.assembly


def test_the_resolution_book_is_kept_apart_from_the_assembly(parts: Parts) -> None:
    runner: StepRunner[list[str], StepName] = StepRunner(
        parts.audit,
        book=StepBook.RESOLUTION,
        scope=lambda incident: f"{incident.id}.r1",
        tolerate=(SlackCallFailed,),
    )
    step = FakeStep(StepName.ANNOUNCEMENT, StepDone(audit=AuditAction.ANNOUNCED))
    runner.run(parts.ledger(), [], [Stage((step,))])
    stored = parts.ledger().incident
    assert "announcement" in stored.resolution and stored.assembly == {}
    (event,) = parts.audit.events(parts.incident.id)
    assert event.event_id == f"{parts.incident.id}.r1.announcement"
