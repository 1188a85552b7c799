"""OverdueFollowUps: the owner of an open follow-up gets a DM when it passes its due date and
weekly after; the incident's room is told once when a P1/P2 follow-up is overdue (through the
announce channel once the room is archived).

Nothing is kept in memory: each sweep asks the store for the open follow-ups due before now
(one indexed query), and each message is claimed first (`followup:<id>:overdue:<week>`,
`followup:<id>:overdue-room`), so a restart, a second sweep or a second processor never sends
one twice. A message Slack refuses is logged and audited; its claim stays taken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.audit import AuditAction
from bot.domain.followups import FollowUp, FollowUpPriority
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.followups import FollowUpStore
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.slack_views import Mrkdwn, ReminderView
from bot.ports.store import Claims, Incidents
from bot.services.resolution.steps import ResolutionStep
from bot.services.slack_text import escape_clipped, user

log = logging.getLogger(__name__)

WEEK = timedelta(days=7)
CLAIM_TTL_SECONDS = 400 * 86400  # beyond the longest due date: a week is never sent twice
ROOM_PRIORITIES = frozenset({FollowUpPriority.P1, FollowUpPriority.P2})


@dataclass(frozen=True)
class SweepResult:
    dms: int = 0
    room_notices: int = 0


class OverdueFollowUps:
    def __init__(
        self,
        followups: FollowUpStore,
        incidents: Incidents,
        claims: Claims,
        audit: AuditLog,
        slack: SlackGateway,
        *,
        owner: str,
        announce_channel: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._followups = followups
        self._incidents = incidents
        self._claims = claims
        self._audit = audit
        self._slack = slack
        self._owner = owner
        self._announce = announce_channel
        self._clock = clock

    def sweep(self) -> SweepResult:
        now = self._clock()
        dms = notices = 0
        for followup in self._followups.open_due_before(now):
            week = int((now - followup.due_at) / WEEK)
            if followup.owner and self._claim(f"followup:{followup.id}:overdue:{week}"):
                dms += self._dm_owner(followup, followup.owner, week)
            if followup.priority in ROOM_PRIORITIES and self._claim(
                f"followup:{followup.id}:overdue-room"
            ):
                notices += self._tell_room(followup)
        return SweepResult(dms, notices)

    def _claim(self, key: str) -> bool:
        return self._claims.claim(key, self._owner, ttl_seconds=CLAIM_TTL_SECONDS)

    def _dm_owner(self, followup: FollowUp, owner: str, week: int) -> int:
        late = "" if week == 0 else f" ({week} week{'s' if week > 1 else ''} ago)"
        text = Mrkdwn(
            f":alarm_clock: Your follow-up `{followup.id}` was due "
            f"{followup.due_at:%Y-%m-%d}{late}: {escape_clipped(followup.text, 300)} "
            f"(incident `{followup.incident_id}`). Mark it Done or Not doing from "
            "`followups mine`."
        )
        return self._send(followup, "dm", lambda: self._slack.send_dm(owner, ReminderView(text)))

    def _tell_room(self, followup: FollowUp) -> int:
        incident = self._incidents.get(followup.incident_id)
        channel = _room(incident) or self._announce
        if channel is None:
            return 0
        text = Mrkdwn(
            f":warning: {followup.priority.value} follow-up `{followup.id}` of incident "
            f"`{followup.incident_id}` is overdue (due {followup.due_at:%Y-%m-%d}, owner "
            f"{user(followup.owner)}): {escape_clipped(followup.text, 300)}"
        )
        return self._send(
            followup, channel, lambda: self._slack.post_message(channel, ReminderView(text))
        )

    def _send(self, followup: FollowUp, where: str, post: Callable[[], object]) -> int:
        try:
            post()
        except SlackCallFailed as exc:
            log.warning(
                "overdue follow-up message refused",
                extra={"followup": followup.id, "where": where, "error": exc.error},
            )
            sent = False
        else:
            sent = True
        self._audit.append(
            followup.incident_id,
            actor="marshal",
            action=AuditAction.REMINDER_SENT,
            details={
                "kind": "followup_overdue",
                "followup_id": followup.id,
                "to": where,
                "sent": sent,
            },
        )
        return 1 if sent else 0


def _room(incident: Incident | None) -> str | None:
    """The incident's room while it can still be posted in (not archived)."""
    if incident is None or ResolutionStep.ARCHIVE.value in incident.resolution:
        return None
    return incident.channel_id
