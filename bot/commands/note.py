"""`note`: add a free-text note to the incident timeline."""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply
from bot.domain.audit import AuditAction
from bot.domain.models import TimelineEntry, TimelineKind
from bot.ports.audit import AuditLog
from bot.ports.store import Timeline

MAX_NOTE_CHARS = 1500


class NoteCommand:
    name = "note"
    summary = "Add a note to the incident timeline."
    usage = "<text>"
    needs_incident = True
    free_text = True

    def __init__(self, store: Timeline, audit: AuditLog) -> None:
        self._store = store
        self._audit = audit

    def run(self, ctx: CommandContext) -> CommandReply:
        text = ctx.rest
        if not text:
            return CommandReply.usage(f"Usage: {ctx.hint('note <text>')}")
        if len(text) > MAX_NOTE_CHARS:
            return CommandReply.usage(f"Notes are limited to {MAX_NOTE_CHARS} characters.")
        incident = ctx.require_incident()
        entry = TimelineEntry(
            incident_id=incident.id, author=ctx.user_id, kind=TimelineKind.NOTE, text=text
        )
        self._store.add_timeline(entry)
        self._audit.append(
            incident.id,
            actor=ctx.user_id,
            action=AuditAction.TIMELINE_ADDED,
            details={"entry_id": entry.id, "kind": entry.kind.value},
        )
        return CommandReply(f"Noted on the timeline (`{entry.id}`).")
