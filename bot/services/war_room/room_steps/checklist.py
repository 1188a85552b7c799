"""The checklist step: the incident card posted and pinned in the room first (so it sits
above the checklist), then the severity's checklist posted, recorded and pinned.

Only what must wait does: the checklist is posted once the card is (so the card sits above
it), and pinned once the card's pin has landed (so the pins keep that order). Recording and
pinning the card overlap the checklist's post, so the room's critical path is create ->
post card -> post checklist -> pin checklist. Each message is recorded before it is pinned,
so a crash leaves a recorded message that a retry pins instead of posting it again.

The checklist audits its own pin (CHECKLIST_PINNED) under the step's event id, so the step
asks the runner for no second event.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackGateway
from bot.services.incident_cards.card import card_view
from bot.services.steps.ledger import IncidentLedger
from bot.services.steps.runner import StepDone
from bot.services.war_room.checklist import ChecklistConfig, pin_checklist, post_checklist
from bot.services.war_room.steps import ACTOR, Room, StepName


class ChecklistStep:
    name = StepName.CHECKLIST
    critical = False

    def __init__(self, slack: SlackGateway, audit: AuditLog, config: ChecklistConfig) -> None:
        self._slack = slack
        self._audit = audit
        self._config = config

    def run(self, room: Room) -> StepDone:
        channel = room.channel_id
        items = self._config.items_for(room.incident.severity)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="room-card") as beside:
            card_ts = room.incident.room_card_ts
            if card_ts is None:
                posted = self._slack.post_message(channel, card_view(room.incident))
                card_pinned = beside.submit(self._record_and_pin_card, room.ledger, posted)
            else:  # recorded by an earlier run that may have died before pinning it
                card_pinned = beside.submit(self._slack.pin, channel, card_ts)
            if room.incident.checklist_ts is None:
                post_checklist(self._slack, room.ledger, items)
            # A failed card pin fails the step, leaving both recorded messages to the retry.
            card_pinned.result()
        incident = room.incident
        pin_checklist(
            self._slack,
            self._audit,
            incident,
            items=len(items),
            actor=ACTOR,
            event_id=f"{incident.id}.assembly.{self.name.value}",
        )
        return StepDone({"ts": incident.checklist_ts})

    def _record_and_pin_card(self, ledger: IncidentLedger, ts: str) -> None:
        def record(current: Incident) -> Incident:
            return current.model_copy(update={"room_card_ts": ts})

        ledger.apply(record)
        self._slack.pin(ledger.incident.channel_id or "", ts)
