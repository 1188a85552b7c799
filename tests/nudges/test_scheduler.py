"""NudgeScheduler over a real SQLite store and the sandbox Slack: post, claim, skip, restart."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from bot.domain.audit import AuditAction
from bot.domain.models import TimelineEntry, TimelineKind
from bot.sandbox.control_client import SandboxControl
from bot.services.nudges.scheduler import JobKind, NudgeOutcome, NudgeScheduler
from tests.eventually import eventually
from tests.nudges.conftest import Rig


def due(rig: Rig, slot: int) -> datetime:
    assert rig.incident.assembled_at
    return rig.incident.assembled_at + timedelta(hours=slot)


def planned_slot(scheduler: NudgeScheduler, rig: Rig) -> int | None:
    plan = scheduler.planned().get((JobKind.NUDGE, rig.incident.id))
    return plan.due.slot if plan else None


def test_a_due_nudge_names_who_acts_and_is_audited(rig: Rig) -> None:
    scheduler = rig.scheduler()
    scheduler.rebuild()
    assert planned_slot(scheduler, rig) == 1
    rig.clock.now = due(rig, 1)
    assert scheduler.run_nudge(rig.incident.id, 1) is NudgeOutcome.SENT
    [text] = rig.bot_texts()
    assert "no IC yet — claim it with `/marshal role ic`" in text
    assert [d["slot"] for d in rig.actions(AuditAction.NUDGE_SENT)] == [1]
    assert planned_slot(scheduler, rig) == 2


def test_two_schedulers_on_one_store_post_a_slot_once(rig: Rig) -> None:
    first, second = rig.scheduler(), rig.scheduler()
    rig.clock.now = due(rig, 1)
    barrier = threading.Barrier(2)
    outcomes: list[NudgeOutcome] = []

    def fire(scheduler: NudgeScheduler) -> None:
        barrier.wait()
        outcomes.append(scheduler.run_nudge(rig.incident.id, 1))

    threads = [threading.Thread(target=fire, args=(s,)) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted([NudgeOutcome.SENT, NudgeOutcome.CLAIMED_ELSEWHERE])
    assert len(rig.bot_texts()) == 1
    assert len(rig.actions(AuditAction.NUDGE_SENT)) == 1


def test_restart_fires_a_missed_nudge_exactly_once(rig: Rig) -> None:
    before = rig.scheduler()
    rig.clock.now = due(rig, 1)
    assert before.run_nudge(rig.incident.id, 1) is NudgeOutcome.SENT
    before.stop()
    rig.clock.now = due(rig, 3) + timedelta(minutes=20)  # slots 2 and 3 passed while down

    after = rig.scheduler()
    after.start()
    eventually(lambda: planned_slot(after, rig) == 4, message="the missed slot ran and 4 is next")
    after.stop()
    again = rig.scheduler()  # a second restart must not repeat slot 3
    again.start()
    eventually(lambda: planned_slot(again, rig) == 4, message="slot 3 was tried again and refused")

    assert [d["slot"] for d in rig.actions(AuditAction.NUDGE_SENT)] == [1, 3]
    assert len(rig.bot_texts()) == 2


def test_a_human_update_in_the_window_skips_the_nudge(rig: Rig) -> None:
    control = SandboxControl(rig.sandbox.url)
    assert rig.incident.channel_id
    control.post_message("U0BOB", rig.incident.channel_id, "anyone seen the dashboards?")
    control.post_message(
        "U0ALICE",
        rig.incident.channel_id,
        "Update: rolled back the 14:02 deploy, error rate is falling",
    )
    scheduler = rig.scheduler()
    rig.clock.now = due(rig, 1)
    assert scheduler.run_nudge(rig.incident.id, 1) is NudgeOutcome.SKIPPED
    [skipped] = rig.actions(AuditAction.NUDGE_SKIPPED)
    assert "U0ALICE" in skipped["reason"] and skipped["slot"] == 1
    assert rig.bot_texts() == []


def test_chatter_is_not_an_update(rig: Rig) -> None:
    control = SandboxControl(rig.sandbox.url)
    assert rig.incident.channel_id
    control.post_message("U0BOB", rig.incident.channel_id, "ok")
    scheduler = rig.scheduler()
    rig.clock.now = due(rig, 1)
    assert scheduler.run_nudge(rig.incident.id, 1) is NudgeOutcome.SENT


def test_a_timeline_status_update_skips_the_nudge(rig: Rig) -> None:
    rig.store.add_timeline(
        TimelineEntry(
            incident_id=rig.incident.id,
            at=due(rig, 1) - timedelta(minutes=5),
            author="U0BOB",
            kind=TimelineKind.STATUS_UPDATE,
            text="Failover done",
        )
    )
    scheduler = rig.scheduler()
    rig.clock.now = due(rig, 1)
    assert scheduler.run_nudge(rig.incident.id, 1) is NudgeOutcome.SKIPPED
    [skipped] = rig.actions(AuditAction.NUDGE_SKIPPED)
    assert skipped["reason"] == "update already posted: timeline status_update by U0BOB"


def test_an_old_update_does_not_cover_the_next_window(rig: Rig) -> None:
    rig.store.add_timeline(
        TimelineEntry(
            incident_id=rig.incident.id,
            at=due(rig, 1) - timedelta(minutes=5),
            author="U0BOB",
            kind=TimelineKind.STATUS_UPDATE,
            text="Failover done",
        )
    )
    scheduler = rig.scheduler()
    rig.clock.now = due(rig, 2)
    assert scheduler.run_nudge(rig.incident.id, 2) is NudgeOutcome.SENT


def test_a_nudge_slack_refused_is_audited_as_skipped_with_the_error(rig: Rig) -> None:
    assert rig.incident.channel_id
    rig.slack.archive(rig.incident.channel_id)
    scheduler = rig.scheduler()
    rig.clock.now = due(rig, 1)
    assert scheduler.run_nudge(rig.incident.id, 1) is NudgeOutcome.SKIPPED
    [skipped] = rig.actions(AuditAction.NUDGE_SKIPPED)
    assert skipped["reason"].startswith("posting the nudge failed: ")
    assert planned_slot(scheduler, rig) == 2
