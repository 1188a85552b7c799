"""ChannelOpener and the channel step: the one critical step of a war-room assembly.

The name about to be created is written on the incident just before Slack is asked, and
the channel id the moment Slack returns it (as the step's record), so a retry never opens a
second room: a run that crashed between the two left a planned name whose channel the next
run adopts. A taken name gets a numbered suffix, up to `max_name_attempts` names.
"""

from __future__ import annotations

import logging

from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.domain.severity import Severity
from bot.ports.slack import Channel, SlackCallFailed, SlackGateway
from bot.ports.store import Incidents
from bot.services.steps.ledger import IncidentLedger
from bot.services.steps.runner import StepDone
from bot.services.war_room.channel_name import channel_name
from bot.services.war_room.steps import Room, StepName

log = logging.getLogger(__name__)


class ChannelOpener:
    """Creates the incident's channel (private, unless its severity is one of
    MARSHAL_PUBLIC_ROOMS), or adopts the one a crashed run created."""

    def __init__(
        self,
        slack: SlackGateway,
        store: Incidents,
        *,
        max_name_attempts: int = 5,
        public_rooms: frozenset[Severity] = frozenset(),
    ) -> None:
        self._slack = slack
        self._store = store
        self._max_name_attempts = max_name_attempts
        self._public_rooms = public_rooms

    def open(self, ledger: IncidentLedger) -> Channel:
        incident = ledger.incident
        # A name recorded by an earlier run that crashed between create and record.
        planned = incident.channel_name
        create = (
            self._slack.create_public_channel
            if incident.severity in self._public_rooms
            else self._slack.create_private_channel
        )
        for attempt in range(self._max_name_attempts):
            name = channel_name(incident.id, incident.title, attempt=attempt)
            if name != ledger.incident.channel_name:
                _plan_name(ledger, name)
            try:
                return create(name)
            except SlackCallFailed as exc:
                if exc.error != "name_taken":
                    raise
            adopted = self._adopt(name, incident) if name == planned else None
            if adopted:
                return adopted
        # Every planned name belongs to someone else: forget the plan, or a retry would
        # mistake the last of them for a room an earlier run created.
        _plan_name(ledger, None)
        raise SlackCallFailed(
            "conversations.create", f"name_taken for {self._max_name_attempts} names"
        )

    def _adopt(self, name: str, incident: Incident) -> Channel | None:
        """The channel an earlier, crashed run created under the name it recorded first."""
        channel = self._slack.find_channel_by_name(name)
        if channel is None:
            return None
        owner = self._store.find_by_channel(channel.id)
        if owner is not None and owner.id != incident.id:
            return None
        log.info("incident %s: adopting channel %s from an earlier run", incident.id, name)
        return channel


def _plan_name(ledger: IncidentLedger, name: str | None) -> None:
    def plan(current: Incident) -> Incident:
        return current.model_copy(update={"channel_name": name})

    ledger.apply(plan)


class ChannelStep:
    """Open the room; without it there is no war room, so its failure stops the assembly."""

    name = StepName.CHANNEL
    critical = True

    def __init__(self, opener: ChannelOpener) -> None:
        self._opener = opener

    def run(self, room: Room) -> StepDone:
        if room.incident.channel_id:
            # A channel already on the incident, not yet recorded: keep it, never open another.
            return StepDone({"reused": True})
        channel = self._opener.open(room.ledger)
        return StepDone(
            {"channel_id": channel.id, "channel_name": channel.name},
            audit=AuditAction.WAR_ROOM_CREATED,
            also=lambda current: current.model_copy(
                update={"channel_id": channel.id, "channel_name": channel.name}
            ),
        )
