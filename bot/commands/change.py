"""`change <ref> [url]`: attach a deploy, commit or config change to the incident's timeline.

The entry is a change marker (`source_ref` starting `change:`), as runs started from the room
are; the postmortem lists them under Changes.
"""

from __future__ import annotations

from bot.commands.base import CommandContext, CommandReply
from bot.domain.audit import AuditAction
from bot.domain.models import TimelineEntry, TimelineKind
from bot.ports.audit import AuditLog
from bot.ports.store import Timeline
from bot.services.slack_text import escape, link, user

MAX_REF_CHARS = 200
MAX_URL_CHARS = 500
CHANGE_REF = "change:"


class ChangeCommand:
    name = "change"
    summary = "Attach a deploy, commit or config change to the timeline."
    usage = "<ref> [url]"
    needs_incident = True
    free_text = False

    def __init__(self, timeline: Timeline, audit: AuditLog) -> None:
        self._timeline = timeline
        self._audit = audit

    def run(self, ctx: CommandContext) -> CommandReply:
        usage = f"Usage: {ctx.hint(f'change {self.usage}')}"
        if not 1 <= len(ctx.args) <= 2:
            return CommandReply.usage(usage)
        ref = ctx.args[0]
        url = ctx.args[1].strip("<>").split("|")[0] if len(ctx.args) == 2 else None
        if len(ref) > MAX_REF_CHARS:
            return CommandReply.usage(f"The ref is limited to {MAX_REF_CHARS} characters.")
        if url is not None and (
            not url.startswith(("https://", "http://")) or len(url) > MAX_URL_CHARS
        ):
            return CommandReply.usage(f"The url must be an http(s) link. {usage}")
        incident = ctx.require_incident()
        entry = TimelineEntry(
            incident_id=incident.id,
            author=ctx.user_id,
            kind=TimelineKind.SYSTEM,
            text=f"Change: {ref}" + (f" {url}" if url else ""),
            source_ref=f"{CHANGE_REF}marker:{ref}",
        )
        self._timeline.add_timeline(entry)
        self._audit.append(
            incident.id,
            actor=ctx.user_id,
            action=AuditAction.CHANGE_MARKED,
            details={"entry_id": entry.id, "ref": ref, "url": url},
        )
        shown = link(url, ref) if url else f"`{escape(ref)}`"
        return CommandReply(
            f"{user(ctx.user_id)} attached change {shown} to the timeline (`{entry.id}`).",
            in_channel=True,
        )
