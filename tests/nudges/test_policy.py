"""The scheduler and reminders run on a NudgePolicy (plain values), not on Settings."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit import AuditAction
from bot.domain.severity import Severity
from bot.services.nudges.policy import NudgePolicy, ReminderRule
from bot.services.nudges.scheduler import JobKind, NudgeOutcome, NudgeScheduler
from bot.wiring.nudges import nudge_policy
from tests.nudges.conftest import Rig, settings


def test_a_hand_built_policy_sets_the_cadence_and_the_command(rig: Rig) -> None:
    policy = NudgePolicy(
        intervals={Severity.P1: 1800},
        ic_unclaimed=ReminderRule(86400, "IC? {who}"),
        inactive=ReminderRule(7 * 86400, "quiet {who}"),
        postmortem_due=ReminderRule(2 * 86400, "postmortem {who}"),
        command="/ops",
    )
    database = SqliteDatabase(rig.path)
    scheduler = NudgeScheduler(
        SqliteIncidentStore(database),
        SqliteAuditLog(database),
        rig.slack,
        rig.queue,
        policy,
        clock=rig.clock,
    )
    rig.schedulers.append(scheduler)
    assert rig.incident.assembled_at is not None

    scheduler.schedule_incident(rig.incident)
    plan = scheduler.planned()[(JobKind.NUDGE, rig.incident.id)]
    rig.clock.now = plan.due.at

    assert plan.due.at - rig.incident.assembled_at == timedelta(minutes=30 * plan.due.slot)
    assert scheduler.run_nudge(rig.incident.id, plan.due.slot) is NudgeOutcome.SENT
    assert "`/ops role ic`" in rig.bot_texts()[-1]
    assert [d["slot"] for d in rig.actions(AuditAction.NUDGE_SENT)] == [plan.due.slot]


def test_wiring_builds_the_policy_from_the_same_settings() -> None:
    config = settings(
        marshal_nudge_interval="P1=5s,P3=1h",
        marshal_reminder_ic_unclaimed="5m",
        marshal_reminder_inactive="2h",
        marshal_reminder_postmortem_due="3d",
        marshal_reminder_inactive_text="{who}: still there?",
        marshal_command="/ops",
    )

    policy = nudge_policy(config)

    assert policy.intervals == {Severity.P1: 5, Severity.P3: 3600}
    assert policy.ic_unclaimed == ReminderRule(300, config.marshal_reminder_ic_unclaimed_text)
    assert policy.inactive == ReminderRule(7200, "{who}: still there?")
    assert policy.postmortem_due.after_seconds == 3 * 86400
    assert policy.command == "/ops"
