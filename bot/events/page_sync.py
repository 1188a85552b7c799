"""PAGE_SYNC: send acknowledge or resolve to every target paged in one epoch, once each."""

from __future__ import annotations

from bot.ports.queue import QueueMessage
from bot.services.paging.escalation import Escalation
from bot.services.paging.messages import SyncAction


def page_sync(escalation: Escalation) -> PageSyncHandler:
    return PageSyncHandler(escalation)


class PageSyncHandler:
    def __init__(self, escalation: Escalation) -> None:
        self._escalation = escalation

    def __call__(self, message: QueueMessage) -> None:
        action = SyncAction(str(message.payload["action"]))
        self._escalation.run_sync(message.incident_id, int(message.payload["epoch"]), action)
