"""StatusUpdateRecorder: what the nudge's "Post update" modal does once submitted.

It records a timeline entry (kind status_update), stamps the incident's last update time so
the next nudge knows, echoes the update into the room, and, when asked, hands the text to the
status-page draft hook. The real hook is the drafting service's (bot/services/status_drafts),
given at construction; without one the answer says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.audit import AuditAction
from bot.domain.errors import MarshalError
from bot.domain.models import Incident, TimelineEntry, TimelineKind, utcnow
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.store import IncidentsWithTimeline
from bot.services.nudges.incident_edit import edit_incident
from bot.services.nudges.messages import mention
from bot.services.slack_text import escape


class StatusDraftStarter(Protocol):
    def __call__(self, incident: Incident, text: str, user_id: str) -> str:
        """Start a status-page draft from `text`; returns a sentence for the user.
        Raises MarshalError when no draft could be started."""


@dataclass(frozen=True)
class RecordedUpdate:
    entry: TimelineEntry
    notes: list[str]  # what else happened (or did not), for the user's confirmation


class StatusUpdateRecorder:
    def __init__(
        self,
        store: IncidentsWithTimeline,
        audit: AuditLog,
        slack: SlackGateway,
        *,
        start_draft: StatusDraftStarter | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._audit = audit
        self._slack = slack
        self._start_draft = start_draft
        self._clock = clock

    @property
    def can_draft(self) -> bool:
        return self._start_draft is not None

    def record(
        self, incident_id: str, user_id: str, text: str, *, start_draft: bool = False
    ) -> RecordedUpdate:
        """Raises NotFound / ConcurrentUpdate when the incident could not be stamped."""
        now = self._clock()
        entry = TimelineEntry(
            incident_id=incident_id,
            at=now,
            author=user_id,
            kind=TimelineKind.STATUS_UPDATE,
            text=text,
        )
        self._store.add_timeline(entry)
        self._audit.append(
            incident_id,
            actor=user_id,
            action=AuditAction.TIMELINE_ADDED,
            details={"entry_id": entry.id, "kind": entry.kind.value, "via": "nudge modal"},
        )
        incident = edit_incident(
            self._store,
            incident_id,
            lambda i: i.model_copy(update={"last_status_update_at": now, "updated_at": now}),
        )
        notes = [self._echo(incident, user_id, text)]
        if start_draft:
            notes.append(self._draft(incident, text, user_id))
        return RecordedUpdate(entry, [n for n in notes if n])

    def _echo(self, incident: Incident, user_id: str, text: str) -> str:
        if incident.channel_id is None:
            return ""
        try:
            self._slack.post_message(
                incident.channel_id,
                f":memo: Status update from {mention(user_id)}:\n{escape(text)}",
            )
        except SlackCallFailed as exc:
            return f"It is on the timeline, but posting it in the room failed ({exc.error})."
        return ""

    def _draft(self, incident: Incident, text: str, user_id: str) -> str:
        if self._start_draft is None:
            return "No status-page draft was started: the status-page gate is not configured."
        try:
            return self._start_draft(incident, text, user_id)
        except MarshalError as exc:
            return f"No status-page draft was started: {escape(exc)}"
