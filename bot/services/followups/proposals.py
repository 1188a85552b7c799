"""Accepting a postmortem's proposed action item: the press makes it a follow-up, owned by
whoever accepted it. The item's text is read back from the resolution's ledger (the
postmortem step's detail), and its follow-up id is fixed by the resolution and the item's
place, so a second press, by anyone, on any replica, finds it made already.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.followups import FollowUp, FollowUpError
from bot.services.followups.desk import FollowUpDesk, NewFollowUp
from bot.services.resolution.steps import ResolutionStep


@dataclass(frozen=True)
class Accepted:
    followup: FollowUp
    made: bool  # False: someone had accepted it already


def accept_proposal(
    desk: FollowUpDesk, incident_id: str, resolution_id: str, index: int, *, by: str
) -> Accepted:
    """Raises NotFound (no such incident) or FollowUpError (a stale or unknown item)."""
    incident = desk.incident(incident_id)
    if incident is None:
        raise NotFound(f"no incident {incident_id}")
    if incident.resolution_id != resolution_id:
        raise FollowUpError("this proposal is from an earlier resolution of the incident")
    step = incident.resolution.get(ResolutionStep.POSTMORTEM_FILED.value)
    items = list(step.detail.get("action_items") or []) if step else []
    if not 0 <= index < len(items):
        raise FollowUpError("that proposal is not one the postmortem made")
    followup_id = f"fu-pm-{resolution_id}-{index}"
    try:
        made = desk.add(
            incident, NewFollowUp(str(items[index]), owner=by, followup_id=followup_id), by=by
        )
    except ConcurrentUpdate as exc:
        if isinstance(exc.current, FollowUp):
            return Accepted(exc.current, made=False)
        raise
    return Accepted(made, made=True)
