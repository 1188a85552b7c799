"""Assembly step names, the room one assembly run builds, and when a room counts as assembled.

Each step is a class of its own (the channel in channel_opener.py, the rest under
room_steps/); the assembler lists them in its step table and the StepRunner records each
finished one in `Incident.assembly` through the IncidentLedger.
"""

from __future__ import annotations

from concurrent.futures import Future
from enum import StrEnum

from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident
from bot.services.steps.ledger import IncidentLedger
from bot.services.war_room.responders import Responders

ACTOR = "marshal"
TEXT_LIMIT = 250  # Slack's limit for a channel topic, a purpose and a bookmark title


class StepName(StrEnum):
    CHANNEL = "channel"
    TOPIC = "topic"
    INVITES = "invites"
    CONTEXT_MESSAGE = "context_message"
    CHECKLIST = "checklist"
    BOOKMARKS = "bookmarks"
    ANNOUNCEMENT = "announcement"
    TRIAGE_ANNOUNCEMENT = "triage_announcement"
    CONTEXT_SNAPSHOT = "context_snapshot"
    SIMILAR_INCIDENTS = "similar_incidents"
    # Not a step: the assembled mark, recorded with the status change to investigating; its
    # detail names the steps that run after it (`then`).
    ASSEMBLED = "assembled"


# The steps that need only the channel; they run side by side once it exists.
ROOM_STEPS: tuple[StepName, ...] = (
    StepName.TOPIC,
    StepName.INVITES,
    StepName.CONTEXT_MESSAGE,
    StepName.CHECKLIST,
    StepName.BOOKMARKS,
    StepName.ANNOUNCEMENT,
)

# Run after the assembled mark when configured, never needed for the room to count as
# assembled: live figures and earlier incidents are a help, not a precondition.
OPTIONAL_ROOM_STEPS: tuple[StepName, ...] = (
    StepName.CONTEXT_SNAPSHOT,
    StepName.SIMILAR_INCIDENTS,
)

REQUIRED_STEPS: tuple[StepName, ...] = (StepName.CHANNEL, *ROOM_STEPS)

BEFORE_ROOM = frozenset(
    {IncidentStatus.TRIGGERED, IncidentStatus.ASSEMBLING, IncidentStatus.ASSEMBLY_FAILED}
)


def is_assembled(incident: Incident) -> bool:
    """Every step recorded and the incident past assembly: `assemble` has nothing to do."""
    return incident.status not in BEFORE_ROOM and all(
        step.value in incident.assembly for step in REQUIRED_STEPS
    )


def still_after_assembly(incident: Incident) -> list[StepName]:
    """The steps the assembled mark said would follow it and that are not recorded yet."""
    mark = incident.assembly.get(StepName.ASSEMBLED.value)
    if mark is None:
        return []
    known = {step.value for step in StepName}
    then = [StepName(name) for name in mark.detail.get("then", []) if name in known]
    return [step for step in then if step.value not in incident.assembly]


class Room:
    """What one assembly run hands each step: the ledger and the responders being looked up."""

    def __init__(
        self, ledger: IncidentLedger, responders: Future[Responders] | None = None
    ) -> None:
        self.ledger = ledger
        self.responders = responders
        # This run builds the room (not only redoing steps of a live one), so it finishes the
        # assembly even if a command moved the incident on meanwhile (`ack` mid-assembly).
        self.building = ledger.incident.status in BEFORE_ROOM

    @property
    def incident(self) -> Incident:
        return self.ledger.incident

    @property
    def channel_id(self) -> str:
        channel_id = self.ledger.incident.channel_id
        assert channel_id, "room steps run only after the channel step"
        return channel_id
