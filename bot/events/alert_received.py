"""ALERT_RECEIVED: open a war room for severe incidents, a triage notice for the rest.

At or above the threshold (P2 by default, so P1 and P2) the WarRoomAssembler runs; it is
resumable, so a redelivered message finishes a half-built room instead of opening another.
Below it, one notice goes to the triage channel, recorded as an assembly step so a
redelivery does not post it twice. Resolved or closed incidents are left alone.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from bot.domain.models import Incident, utcnow
from bot.domain.severity import Severity
from bot.ports.queue import QueueMessage
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.store import Incidents
from bot.services.slack_text import escape
from bot.services.steps.ledger import IncidentLedger
from bot.services.war_room.steps import StepName

log = logging.getLogger(__name__)


class Assembler(Protocol):
    def assemble(self, incident_id: str) -> Incident: ...


class AlertReceivedHandler:
    def __init__(
        self,
        assembler: Assembler,
        store: Incidents,
        slack: SlackGateway,
        *,
        war_room_threshold: Severity = Severity.P2,
        triage_channel: str | None = None,
    ) -> None:
        self._assembler = assembler
        self._store = store
        self._slack = slack
        self._threshold = war_room_threshold
        self._triage_channel = triage_channel

    def __call__(self, message: QueueMessage) -> None:
        incident = self._store.get(message.incident_id)
        if incident is None:
            log.warning("alert for unknown incident", extra={"event": message.event_id})
            return
        if not incident.is_open:
            log.info(
                "alert for a %s incident; nothing to do",
                incident.status.value,
                extra={"incident": incident.id},
            )
            return
        if incident.severity.at_least(self._threshold) or incident.channel_id:
            # A room that exists (severity lowered later, or declared by hand) is finished too.
            self._assembler.assemble(incident.id)
        else:
            self._announce_for_triage(incident)

    def _announce_for_triage(self, incident: Incident) -> None:
        if StepName.TRIAGE_ANNOUNCEMENT.value in incident.assembly:
            return
        if not self._triage_channel:
            log.info(
                "%s below the war-room threshold and no triage channel is set",
                incident.severity.value,
                extra={"incident": incident.id},
            )
            return
        started = time.monotonic()
        text = (
            f":mag: {incident.severity.value} *{escape(incident.title)}*"
            f" ({escape(incident.service or 'unknown service')}) needs triage."
            f" Incident `{incident.id}`; open a war room with `/marshal assemble {incident.id}`."
        )
        try:
            ts = self._slack.post_message(self._triage_channel, text)
        except SlackCallFailed as exc:
            # The queue's own retry redelivers; the step is not recorded, so it posts then.
            log.warning("triage notice failed", extra={"incident": incident.id, "error": str(exc)})
            raise
        IncidentLedger(self._store, incident).record_step(
            StepName.TRIAGE_ANNOUNCEMENT,
            done_at=utcnow(),
            seconds=time.monotonic() - started,
            detail={"channel": self._triage_channel, "ts": ts},
        )
