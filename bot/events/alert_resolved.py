"""ALERT_RESOLVED: the monitoring tool says the alert cleared.

By default resolving stays a human decision: the room is told and the IC is offered a
"Resolve incident" button. With MARSHAL_AUTO_RESOLVE=true the incident is resolved at once
(by "marshal") and the resolve flow runs as if someone had typed `/marshal resolve`.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.domain.models import Incident
from bot.ports.queue import QueueMessage
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import Mrkdwn, ResolvePrompt
from bot.ports.store import Incidents
from bot.services.resolution.starter import MARSHAL

log = logging.getLogger(__name__)


class Resolver(Protocol):
    def resolve(self, incident: Incident, user_id: str, summary: str | None) -> object: ...


class AlertResolvedHandler:
    def __init__(
        self,
        store: Incidents,
        slack: SlackGateway,
        *,
        command: str,
        resolver: Resolver | None = None,
        auto_resolve: bool = False,
    ) -> None:
        self._store = store
        self._slack = slack
        self._command = command
        self._resolver = resolver
        self._auto = auto_resolve and resolver is not None

    def __call__(self, message: QueueMessage) -> None:
        incident = self._store.get(message.incident_id)
        if incident is None:
            log.warning("resolved alert for unknown incident", extra={"event": message.event_id})
            return
        if not incident.is_open:
            return
        source = message.payload.get("source", incident.source.value)
        if self._auto and self._resolver is not None:
            self._resolver.resolve(
                incident, MARSHAL, f"The alert cleared at its source ({source})."
            )
            return
        if incident.channel_id is None:
            return
        who = f"<@{incident.commander}>" if incident.commander else "Incident commander"
        text = (
            f":large_green_circle: The alert cleared at its source ({source}). {who}: "
            f"resolve the incident with the button or `{self._command} resolve [summary]` "
            "once you are sure it is over."
        )
        # the button only where the resolve flow is wired to answer it
        prompt = ResolvePrompt(incident.id, Mrkdwn(text)) if self._resolver else text
        try:
            self._slack.post_message(incident.channel_id, prompt)
        except SlackCallFailed as exc:
            # The audit already has ALERT_RESOLVED; a lost room notice must not block the queue.
            log.warning("could not tell the room the alert cleared", extra={"error": str(exc)})
