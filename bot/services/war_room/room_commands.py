"""What `/marshal assemble` and `/marshal checklist` do, so their command files stay thin.

Both act on the incident named by an id argument, else on the incident of the channel the
command was typed in, and answer with one line that says what happened (or did not).
"""

from __future__ import annotations

from typing import Protocol

from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident
from bot.ports.slack import SlackCallFailed
from bot.ports.store import Incidents
from bot.services.slack_text import escape
from bot.services.war_room.checklist import ChecklistService, StaleChecklistAction
from bot.services.war_room.steps import REQUIRED_STEPS, is_assembled


class Assembler(Protocol):
    def assemble(self, incident_id: str) -> Incident: ...


def target_incident(store: Incidents, *, channel_id: str | None, argument: str) -> Incident:
    """The incident named by `argument` (an id), else the one whose room is `channel_id`."""
    wanted = argument.strip().split()[0] if argument.strip() else ""
    if wanted:
        incident = store.get(wanted)
        if incident is None:
            raise LookupError(f"no incident `{wanted}`")
        return incident
    incident = store.find_by_channel(channel_id) if channel_id else None
    if incident is None:
        raise LookupError("this channel is not an incident room; give an incident id")
    return incident


def retry_assembly(
    assembler: Assembler, store: Incidents, *, channel_id: str | None, argument: str
) -> str:
    try:
        incident = target_incident(store, channel_id=channel_id, argument=argument)
    except LookupError as exc:
        return f"Nothing assembled: {escape(exc)}."
    if not incident.is_open:
        return f"Nothing assembled: incident `{incident.id}` is {incident.status.value}."
    if is_assembled(incident):
        return f"The war room for `{incident.id}` is already complete: <#{incident.channel_id}>."
    result = assembler.assemble(incident.id)
    if result.status is IncidentStatus.ASSEMBLY_FAILED:
        return f"Assembly of `{result.id}` failed again; see the announcements channel and audit."
    missing = [s.value for s in REQUIRED_STEPS if s.value not in result.assembly]
    if missing:
        return f"War room <#{result.channel_id}> is open; still missing: {', '.join(missing)}."
    return f"War room <#{result.channel_id}> for `{result.id}` is assembled."


def repost_checklist(
    service: ChecklistService,
    store: Incidents,
    *,
    channel_id: str | None,
    argument: str,
    actor: str,
) -> str:
    try:
        incident = target_incident(store, channel_id=channel_id, argument=argument)
        updated = service.repost(incident.id, actor=actor)
    except (LookupError, StaleChecklistAction, SlackCallFailed) as exc:
        return f"No checklist posted: {escape(exc)}."
    return f"Checklist re-posted and pinned in <#{updated.channel_id}>; older copies are inactive."
