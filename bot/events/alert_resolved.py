"""ALERT_RESOLVED: the monitoring tool says the alert cleared; tell the room, keep it open.

Resolving is a human decision (the resolve flow drafts the status-page resolution and the
postmortem), so a cleared alert only informs the responders and the audit trail.
"""

from __future__ import annotations

import logging

from bot.ports.queue import QueueMessage
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.store import IncidentStore

log = logging.getLogger(__name__)


class AlertResolvedHandler:
    def __init__(self, store: IncidentStore, slack: SlackGateway, *, command: str) -> None:
        self._store = store
        self._slack = slack
        self._command = command

    def __call__(self, message: QueueMessage) -> None:
        incident = self._store.get(message.incident_id)
        if incident is None:
            log.warning("resolved alert for unknown incident", extra={"event": message.event_id})
            return
        if not incident.is_open or incident.channel_id is None:
            return
        source = message.payload.get("source", incident.source.value)
        text = (
            f":large_green_circle: The alert cleared at its source ({source}). "
            f"The incident stays open until someone resolves it with `{self._command} resolve`."
        )
        try:
            self._slack.post_message(incident.channel_id, text)
        except SlackCallFailed as exc:
            # The audit already has ALERT_RESOLVED; a lost room notice must not block the queue.
            log.warning("could not tell the room the alert cleared", extra={"error": str(exc)})
