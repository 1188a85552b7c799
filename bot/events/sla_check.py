"""SLA_CHECK: a timed follow-up the NudgeScheduler enqueued; today the postmortem-due reminder.

The reminder re-checks the incident (postmortem marked done? still resolved?) and claims its
slot, so a redelivered or duplicated event posts at most once.
"""

from __future__ import annotations

import logging

from bot.ports.queue import QueueMessage
from bot.services.nudges.reminders import Reminders
from bot.services.nudges.scheduler import SlaCheck

log = logging.getLogger(__name__)


class SlaCheckHandler:
    def __init__(self, reminders: Reminders) -> None:
        self._reminders = reminders

    def __call__(self, message: QueueMessage) -> None:
        check = message.payload.get("check")
        if check != SlaCheck.POSTMORTEM_DUE.value:
            # Raising sends it to the dead-letter queue, where an operator can see it.
            raise ValueError(f"unknown SLA check {check!r} in event {message.event_id}")
        slot = int(message.payload.get("slot", 1))
        outcome = self._reminders.postmortem_due(message.incident_id, slot)
        log.info(
            "sla check",
            extra={"incident": message.incident_id, "check": check, "outcome": outcome.value},
        )


def sla_check(reminders: Reminders) -> SlaCheckHandler:
    """The handler factory for `registry.register(EventType.SLA_CHECK, sla_check(reminders))`."""
    return SlaCheckHandler(reminders)
