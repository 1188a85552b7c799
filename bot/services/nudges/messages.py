"""What nudges and reminders say, as views (bot/slack/blocks/nudge.py renders them).

The mentions here are marshal's own: ids checked to be ids, anything else escaped.
"""

from __future__ import annotations

from bot.domain.models import Incident
from bot.ports.slack_views import Mrkdwn, NudgeView, StatusUpdateModal
from bot.services import slack_text

SILENCE_BUTTON_SECONDS = 30 * 60


def mention(user: str) -> str:
    """A Slack mention for a user id; anything else (an email of an unresolved responder,
    from the alert) is shown as escaped text, never as markup."""
    return slack_text.user(user)


def commander_or_hint(incident: Incident, command: str) -> str:
    if incident.commander:
        return mention(incident.commander)
    return f"no IC yet — claim it with `{command} role ic`"


def responders(incident: Incident) -> str:
    people = [mention(p) for p in incident.oncall]
    return ", ".join(people) if people else "everyone in this channel"


def nudge_view(incident: Incident, *, every: str, command: str) -> NudgeView:
    return NudgeView(
        incident_id=incident.id,
        title=incident.title,
        severity=incident.severity.value,
        every=every,
        who=Mrkdwn(commander_or_hint(incident, command)),
        command=command,
    )


def status_update_modal(incident: Incident, *, can_draft: bool) -> StatusUpdateModal:
    """The "Post update" form for `incident`."""
    return StatusUpdateModal(incident.id, incident.severity.value, can_draft)
