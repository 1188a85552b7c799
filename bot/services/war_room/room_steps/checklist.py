"""The checklist step: the incident card posted and pinned in the room first (so it sits
above the checklist), then the severity's checklist posted, recorded and pinned.

The checklist audits its own pin (CHECKLIST_PINNED) under the step's event id, so the step
asks the runner for no second event.
"""

from __future__ import annotations

from bot.ports.audit import AuditLog
from bot.ports.slack import SlackGateway
from bot.services.incident_cards.refresher import post_room_card
from bot.services.steps.runner import StepDone
from bot.services.war_room.checklist import (
    ChecklistConfig,
    pin_checklist,
    post_and_pin_checklist,
)
from bot.services.war_room.steps import ACTOR, Room, StepName


class ChecklistStep:
    name = StepName.CHECKLIST
    critical = False

    def __init__(self, slack: SlackGateway, audit: AuditLog, config: ChecklistConfig) -> None:
        self._slack = slack
        self._audit = audit
        self._config = config

    def run(self, room: Room) -> StepDone:
        post_room_card(self._slack, room.ledger)
        incident = room.incident
        items = self._config.items_for(incident.severity)
        event_id = f"{incident.id}.assembly.{self.name.value}"
        if incident.checklist_ts is None:
            post_and_pin_checklist(
                self._slack, self._audit, room.ledger, items, actor=ACTOR, event_id=event_id
            )
        else:
            # An earlier run recorded the checklist and may have died before pinning it.
            pin_checklist(
                self._slack, self._audit, incident, items=len(items), actor=ACTOR, event_id=event_id
            )
        return StepDone({"ts": room.incident.checklist_ts})
