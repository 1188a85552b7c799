"""Automatic paging end to end over real parts (SQLite, the local queue, the sandbox Slack
over HTTP, a fake PagerDuty): level 1 at assembly, escalation when nobody acknowledges,
acknowledge and resolve synced, exactly once across two processors, a duplicate event and
a restart, timers rebuilt from the store."""

from __future__ import annotations

import time
from datetime import timedelta

from bot.commands.ack import AckCommand
from bot.commands.base import CommandContext
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.severity import Severity
from bot.services.incident_updates import IncidentUpdates
from bot.services.paging.messages import page_step
from tests.eventually import eventually
from tests.paging.conftest import PagingRig, open_incident

PRIMARY, LEAD = "R0UTINGKEYPRIMARY", "R0UTINGKEYLEAD"


def _steps(rig: PagingRig) -> int:
    state = rig.reload().escalation
    return state.next_step if state else 0


def test_level_one_is_paged_at_assembly_and_the_room_shows_it(paging: PagingRig) -> None:
    processor = paging.processor()
    started = processor.escalation.start(paging.incident)  # the war room's on_assembled
    assert started is not None
    processor.start()
    eventually(lambda: _steps(paging) >= 1)
    alert = paging.pagerduty.alerts[(PRIMARY, paging.incident.id)]  # dedup_key = incident id
    assert (alert.triggers, alert.summary) == (1, "[P1] Checkout API 5xx")
    dms = paging.page_dms()
    assert [d["channel"].startswith("D") for d in dms] == [True]  # a DM to U0ALICE
    state = paging.reload().escalation
    assert state is not None and state.first_paged_at is not None
    assert [(p.level, p.target, p.ok) for p in state.pages] == [
        (1, f"pagerduty:{PRIMARY}", True),
        (1, "slack:U0ALICE", True),
    ]
    line = eventually(lambda: [t for t in paging.room_texts() if "Paged level 1" in t])
    assert f"`pagerduty:{PRIMARY}`, `slack:U0ALICE`" in line[0]
    assert [d["target"] for d in paging.actions(AuditAction.PAGED)] == [
        f"pagerduty:{PRIMARY}",
        "slack:U0ALICE",
    ]


def test_nobody_acknowledging_pages_the_next_level_then_stops_at_the_end(paging: PagingRig) -> None:
    processor = paging.processor().start()
    processor.escalation.start(paging.incident)
    eventually(lambda: _steps(paging) == 2, timeout=15)
    assert paging.pagerduty.triggers(LEAD) == 1
    # level 2 includes the S0ONCALL group: each member gets a DM
    assert len(paging.page_dms()) == 1 + 2
    state = paging.reload().escalation
    assert state is not None and state.next_due is None  # the end of the policy
    eventually(lambda: [d["level"] for d in paging.actions(AuditAction.ESCALATED)] == [2])
    time.sleep(1.5)
    assert paging.pagerduty.triggers() == 2  # nothing more after the last level


def test_below_the_paging_severities_nothing_pages(paging: PagingRig) -> None:
    processor = paging.processor()
    assert paging.incident.channel_id
    quiet = open_incident(paging.store, paging.incident.channel_id + "x", severity=Severity.P3)
    assert processor.escalation.start(quiet) is None
    assert quiet.id not in {k[1] for k in paging.pagerduty.alerts}


def test_acknowledge_stops_escalation_and_tells_every_target(paging: PagingRig) -> None:
    processor = paging.processor().start()
    processor.escalation.start(paging.incident)
    eventually(lambda: _steps(paging) >= 1)
    incident = paging.reload()
    assert incident.channel_id
    ack = AckCommand(paging.store, paging.audit, on_acknowledged=processor.control.acknowledged)
    reply = ack.run(
        CommandContext("U0BOB", incident.channel_id, "/marshal", "ack", incident=incident)
    )
    assert "acknowledged the incident" in reply.text
    alert = paging.pagerduty.alerts[(PRIMARY, incident.id)]
    eventually(lambda: alert.status == "acknowledged")
    eventually(
        lambda: len(
            [t for t in paging.room_texts() if "stand down" in t or "Escalation stopped" in t]
        )
    )
    time.sleep(1.5)  # past level 1's `after`
    assert paging.pagerduty.triggers(LEAD) == 0
    stored = paging.reload()
    assert stored.escalation is not None and stored.escalation.acked_by == "U0BOB"
    assert stored.acknowledged_by == "U0BOB"
    [acked] = paging.actions(AuditAction.PAGE_ACKNOWLEDGED)
    assert acked["via"] == "slack" and acked["mtta_seconds"] is not None
    assert len(paging.actions(AuditAction.ACKNOWLEDGED)) == 1  # the ack command's own


def test_the_page_dm_acknowledge_button_stops_escalation(paging: PagingRig) -> None:
    processor = paging.processor().start()
    processor.escalation.start(paging.incident)
    eventually(lambda: _steps(paging) >= 1)
    reply = processor.control.acknowledge_by_id(paging.incident.id, "U0ALICE")
    assert reply.startswith(f"Acknowledged `{paging.incident.id}`")
    again = processor.control.acknowledge_by_id(paging.incident.id, "U0BOB")
    assert "already acknowledged by <@U0ALICE>" in again
    assert "does not name" in processor.control.acknowledge_by_id("inc-nope", "U0ALICE")


def test_resolve_sends_resolve_and_a_reopen_pages_level_one_again(paging: PagingRig) -> None:
    processor = paging.processor().start()
    processor.escalation.start(paging.incident)
    eventually(lambda: _steps(paging) >= 1)
    processor.control.acknowledged(paging.reload(), "U0BOB")
    incident = paging.reload()
    updates = IncidentUpdates(paging.store)  # the background workers write it too
    updates.apply(incident.id, lambda current: current.transition(IncidentStatus.RESOLVED))
    processor.escalation.resolved(incident.id)
    alert = paging.pagerduty.alerts[(PRIMARY, incident.id)]
    eventually(lambda: alert.status == "resolved")
    updates.apply(incident.id, lambda current: current.transition(IncidentStatus.INVESTIGATING))
    # the timer's reconcile notices the reopen and starts the next epoch at level 1
    eventually(lambda: alert.triggers == 2, timeout=10)
    state = paging.reload().escalation
    assert state is not None and state.epoch == 1 and state.acked_at is None


def test_two_processors_and_duplicate_events_page_each_target_once(paging: PagingRig) -> None:
    one, two = paging.processor().start(), paging.processor().start()
    one.escalation.start(paging.incident)
    two.escalation.start(paging.incident)  # a second assembly hook: nothing new
    # the same step sent again under other ids (as a re-planned timer would): each reaches
    # a handler, which finds the step done or being done and pages nobody again
    state = paging.reload().escalation
    assert state is not None
    for shift in range(1, 4):
        due = state.epoch_started_at + timedelta(seconds=shift)
        two.queue.send(page_step(paging.incident.id, 0, 0, due=due))
    eventually(lambda: _steps(paging) == 2, timeout=15)
    time.sleep(1.0)
    assert paging.pagerduty.alerts[(PRIMARY, paging.incident.id)].triggers == 1
    assert paging.pagerduty.alerts[(LEAD, paging.incident.id)].triggers == 1
    assert len(paging.page_dms()) == 3
    pages = [d["target"] for d in paging.actions(AuditAction.PAGED)]
    assert len(pages) == len(set(pages)) == 4


def test_timers_survive_a_restart_without_paging_twice_or_skipping(paging: PagingRig) -> None:
    slow = {**paging.policy}
    slow["policies"] = {
        "standard": {
            "levels": [
                {"targets": [f"pagerduty:{PRIMARY}"], "after": "3s"},
                {"targets": [f"pagerduty:{LEAD}"], "after": "1s"},
            ]
        }
    }
    paging.policy = slow
    first = paging.processor().start()
    first.escalation.start(paging.incident)
    eventually(lambda: _steps(paging) >= 1)
    first.stop()  # the process dies before level 2 is due
    assert paging.pagerduty.triggers(LEAD) == 0
    second = paging.processor().start()  # rebuilds the timer from the store
    eventually(lambda: paging.pagerduty.triggers(LEAD) == 1, timeout=15)
    time.sleep(1.0)
    assert paging.pagerduty.triggers(PRIMARY) == 1
    assert paging.pagerduty.triggers(LEAD) == 1
    assert second.timer.planned() == {}
