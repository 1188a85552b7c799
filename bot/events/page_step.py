"""PAGE_STEP: page one escalation step of one incident (bot/services/paging/escalation.py).

A stale event (the step is done, a new epoch began, the incident was acknowledged or is
held) does nothing; a page another processor is sending right now (PageInProgress)
raises, so the consumer retries later and then finds it recorded.
"""

from __future__ import annotations

from bot.ports.queue import QueueMessage
from bot.services.paging.escalation import Escalation


def page_step(escalation: Escalation) -> PageStepHandler:
    return PageStepHandler(escalation)


class PageStepHandler:
    def __init__(self, escalation: Escalation) -> None:
        self._escalation = escalation

    def __call__(self, message: QueueMessage) -> None:
        epoch, step = int(message.payload["epoch"]), int(message.payload["step"])
        self._escalation.run_step(message.incident_id, epoch, step)
