"""TimelineCapture: a chosen reaction on a war-room message pins it to the incident timeline.

Adding the reaction (default :pushpin:) records the message — its own time, author and
text — as a pinned_message entry; removing the last such reaction removes the entry.
Reactions outside incident channels are ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.audit import AuditAction
from bot.domain.models import TimelineEntry, TimelineKind
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.store import IncidentsWithTimeline

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 3000


@dataclass(frozen=True)
class Reaction:
    """The parts of a reaction_added / reaction_removed event that matter here."""

    user_id: str
    reaction: str
    channel_id: str
    message_ts: str
    message_author: str | None = None


def _ts_to_datetime(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), tz=UTC)


class TimelineCapture:
    def __init__(
        self, store: IncidentsWithTimeline, audit: AuditLog, slack: SlackGateway, *, reaction: str
    ) -> None:
        self._store = store
        self._audit = audit
        self._slack = slack
        self._reaction = reaction.strip(":")

    def added(self, event: Reaction) -> TimelineEntry | None:
        if event.reaction != self._reaction:
            return None
        incident = self._store.find_by_channel(event.channel_id)
        if incident is None:
            return None
        existing = self._store.find_timeline_by_ref(incident.id, event.message_ts)
        if existing is not None:
            return existing  # a second reactor or a redelivered event
        message = self._message(event)
        text = str(message.get("text") or "") if message else ""
        entry = TimelineEntry(
            incident_id=incident.id,
            at=_ts_to_datetime(event.message_ts),
            author=str((message or {}).get("user") or event.message_author or "unknown"),
            kind=TimelineKind.PINNED_MESSAGE,
            text=(text or "(message text unavailable)")[:MAX_TEXT_CHARS],
            source_ref=event.message_ts,
        )
        self._store.add_timeline(entry)
        self._audit.append(
            incident.id,
            actor=event.user_id,
            action=AuditAction.TIMELINE_ADDED,
            details={"entry_id": entry.id, "kind": entry.kind.value, "ts": event.message_ts},
        )
        return entry

    def removed(self, event: Reaction) -> bool:
        if event.reaction != self._reaction:
            return False
        incident = self._store.find_by_channel(event.channel_id)
        if incident is None:
            return False
        entry = self._store.find_timeline_by_ref(incident.id, event.message_ts)
        if entry is None or entry.kind is not TimelineKind.PINNED_MESSAGE:
            return False
        if self._still_marked(self._message(event)):
            return False  # someone else's reaction still pins it
        if not self._store.remove_timeline(incident.id, entry.id):
            return False
        self._audit.append(
            incident.id,
            actor=event.user_id,
            action=AuditAction.TIMELINE_REMOVED,
            details={"entry_id": entry.id, "ts": event.message_ts},
        )
        return True

    def _message(self, event: Reaction) -> dict[str, Any] | None:
        try:
            return self._slack.message(event.channel_id, event.message_ts)
        except SlackCallFailed as exc:
            # The entry is still worth keeping without its text; the reply-less event can't say so.
            log.warning("could not fetch reacted message", extra={"error": exc.error})
            return None

    def _still_marked(self, message: dict[str, Any] | None) -> bool:
        for reaction in (message or {}).get("reactions") or []:
            if reaction.get("name") == self._reaction and int(reaction.get("count", 0)) > 0:
                return True
        return False
