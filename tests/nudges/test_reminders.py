"""Reminders: IC unclaimed, inactive, postmortem due (through the SLA_CHECK queue event)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Role, TimelineEntry
from bot.events.sla_check import SlaCheckHandler
from bot.ports.queue import EventType
from bot.services.nudges.reminders import ReminderKind, ReminderOutcome
from bot.services.nudges.scheduler import JobKind
from tests.eventually import eventually
from tests.nudges.conftest import Rig, settings


def set_incident(rig: Rig, **changes: object) -> None:
    current = rig.reload()
    rig.incident = rig.store.update(
        current.model_copy(update=changes), expected_version=current.version
    )


def test_ic_unclaimed_names_the_responders_once(rig: Rig) -> None:
    rig.settings = settings(marshal_reminder_ic_unclaimed="5m")
    scheduler = rig.scheduler()
    scheduler.start()  # assembled 59 minutes ago: the reminder is overdue and fires at once
    eventually(lambda: bool(rig.actions(AuditAction.REMINDER_SENT)), message="IC reminder posted")
    [text] = rig.bot_texts()
    assert "*Checkout API 5xx* has no incident commander yet, 5m after the war room opened" in text
    assert "<@U0ALICE>, <@U0BOB>" in text and "`/marshal role ic`" in text
    assert scheduler.reminders.ic_unclaimed(rig.incident.id) is ReminderOutcome.ALREADY_DONE
    assert [d["kind"] for d in rig.actions(AuditAction.REMINDER_SENT)] == ["ic_unclaimed"]


def test_no_ic_reminder_once_someone_took_the_role(rig: Rig) -> None:
    rig.settings = settings(marshal_reminder_ic_unclaimed="5m")
    set_incident(rig, roles={Role.IC: "U0CAROL"})
    scheduler = rig.scheduler()
    assert scheduler.reminders.ic_unclaimed(rig.incident.id) is ReminderOutcome.NOT_DUE
    assert rig.bot_texts() == []


def test_inactive_incident_reminds_the_ic_and_activity_resets_it(rig: Rig) -> None:
    rig.settings = settings(marshal_reminder_inactive="1h")
    set_incident(rig, roles={Role.IC: "U0CAROL"})
    scheduler = rig.scheduler()
    # the role change above was written without an audit event: quiet since assembly
    rig.clock.advance(120)
    assert scheduler.reminders.inactive(rig.incident.id) is ReminderOutcome.SENT
    [text] = rig.bot_texts()
    assert "nothing happened here for 1h 1m" in text and "<@U0CAROL>" in text
    assert scheduler.reminders.inactive(rig.incident.id) is ReminderOutcome.ALREADY_DONE

    rig.store.add_timeline(
        TimelineEntry(incident_id=rig.incident.id, at=rig.clock(), author="U0BOB", text="hi")
    )
    assert scheduler.reminders.inactive(rig.incident.id) is ReminderOutcome.NOT_DUE


def test_postmortem_due_goes_through_the_queue_until_done(rig: Rig) -> None:
    rig.settings = settings(
        marshal_reminder_postmortem_due="2d",
        marshal_reminder_postmortem_due_text="{who}: postmortem for {id} is {age} late",
    )
    resolved = rig.reload().transition(IncidentStatus.RESOLVED, at=rig.clock() - timedelta(days=3))
    rig.incident = rig.store.update(
        resolved.model_copy(update={"roles": {Role.IC: "U0CAROL"}}),
        expected_version=resolved.version,
    )
    scheduler = rig.scheduler()
    scheduler.rebuild()
    [plan] = [p for (kind, _), p in scheduler.planned().items() if kind is JobKind.POSTMORTEM]
    assert plan.due.slot == 1
    scheduler.run_postmortem_check(rig.incident.id, 1)
    scheduler.run_postmortem_check(rig.incident.id, 1)  # a second replica: the queue dedups
    deliveries = rig.queue.receive(max_messages=10, wait_seconds=0.5)
    assert [d.message.event_type for d in deliveries] == [EventType.SLA_CHECK.value]

    handler = SlaCheckHandler(scheduler.reminders)
    handler(deliveries[0].message)
    handler(deliveries[0].message)  # redelivered: still one reminder
    assert rig.bot_texts() == [f"<@U0CAROL>: postmortem for {rig.incident.id} is 2d late"]
    [sent] = rig.actions(AuditAction.REMINDER_SENT)
    assert sent["kind"] == ReminderKind.POSTMORTEM_DUE.value and sent["delivered"] is True

    set_incident(rig, postmortem_done_at=rig.clock())
    assert scheduler.reminders.postmortem_due(rig.incident.id, 2) is ReminderOutcome.NOT_DUE
    scheduler.rebuild()
    assert not [k for k in scheduler.planned() if k[0] is JobKind.POSTMORTEM]


def test_the_frequent_reconcile_reads_only_open_incidents(rig: Rig) -> None:
    rig.settings = settings(marshal_reminder_postmortem_due="2d")
    resolved = rig.reload().transition(IncidentStatus.RESOLVED, at=rig.clock() - timedelta(days=3))
    rig.incident = rig.store.update(resolved, expected_version=resolved.version)
    scheduler = rig.scheduler()
    # the store keeps every incident ever: the every-minute pass must not walk them all
    scheduler.rebuild(open_only=True)
    assert not [k for k in scheduler.planned() if k[1] == rig.incident.id]
    scheduler.rebuild()  # at start, and every full_reconcile_seconds
    assert [k[0] for k in scheduler.planned() if k[1] == rig.incident.id] == [JobKind.POSTMORTEM]
