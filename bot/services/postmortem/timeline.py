"""The postmortem's evidence: one time-ordered list of entries, each with a short id.

Entries come from the audit log (`A<seq>`), the incident timeline of notes and pinned
messages (`N<n>`), a bounded slice of the war room's channel history (`M<n>`) and recent
commits and deploys (`C<n>`). The LLM must cite these ids; the renderer prints them with
their real timestamps, so every statement can be traced to what was recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from bot.domain.audit import AuditAction, AuditEvent
from bot.domain.models import TimelineEntry, TimelineKind
from bot.ports.changes import CodeChange

MAX_ENTRY_CHARS = 500

# Bookkeeping that says nothing about the incident itself.
_NOISE = frozenset(
    {
        AuditAction.COMMAND_RUN,
        AuditAction.ASSEMBLY_STEP_COMPLETED,
        AuditAction.NUDGE_SENT,
        AuditAction.NUDGE_SKIPPED,
        AuditAction.REMINDER_SENT,
        AuditAction.TIMELINE_ADDED,  # the entry itself is in the timeline
        AuditAction.RATING_RECORDED,
        AuditAction.PERMISSION_DENIED,
        AuditAction.RUNBOOK_PREFLIGHT,  # a preview changes nothing
        AuditAction.CHANGE_MARKED,  # the marker itself is in the timeline
    }
)


class EntrySource(StrEnum):
    AUDIT = "audit"
    NOTE = "note"
    MESSAGE = "message"
    CHANGE = "change"


class EvidenceEntry(BaseModel):
    id: str
    at: datetime
    source: EntrySource
    actor: str
    text: str
    is_note: bool = False  # written by a responder on purpose (notes, pinned messages)


def _clip(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_ENTRY_CHARS else flat[: MAX_ENTRY_CHARS - 1] + "…"


def describe_audit(event: AuditEvent) -> str | None:
    """A one-line account of an audit event, or None for bookkeeping left out."""
    if event.action in _NOISE:
        return None
    d = event.details
    texts: dict[AuditAction, str] = {
        AuditAction.INCIDENT_CREATED: "Incident opened",
        AuditAction.ALERT_ATTACHED: "Another alert attached to the incident",
        AuditAction.ALERT_RESOLVED: "The alert cleared at its source",
        AuditAction.STATUS_CHANGED: f"State changed from {d.get('from')} to {d.get('to')}",
        AuditAction.SEVERITY_CHANGED: f"Severity changed from {d.get('from')} to {d.get('to')}",
        AuditAction.ACKNOWLEDGED: f"Acknowledged by {d.get('user', event.actor)}",
        AuditAction.ROLE_ASSIGNED: f"Role {d.get('role')} assigned to {d.get('user')}",
        AuditAction.WAR_ROOM_CREATED: "War room channel created",
        AuditAction.RESPONDER_INVITED: "Responders invited: "
        + ", ".join(str(u) for u in d.get("user_ids") or [d.get("user_id")]),
        AuditAction.ASSEMBLY_COMPLETED: "War room assembled",
        AuditAction.ASSEMBLY_FAILED: f"War room assembly failed: {d.get('reason')}",
        AuditAction.STATUS_PUBLISHED: "Status page post published",
        AuditAction.RESOLVED: f"Resolved by {d.get('user', event.actor)}: "
        f"{d.get('summary') or 'no summary given'}",
        AuditAction.REOPENED: f"Reopened by {d.get('user', event.actor)}",
        AuditAction.RUNBOOK_START: f"Runbook {d.get('runbook')} started as run "
        f"{d.get('run_id')} on {d.get('scope')}",
        AuditAction.RUNBOOK_COMPLETED: f"Run {d.get('run_id')} of {d.get('runbook')} succeeded",
        AuditAction.RUNBOOK_FAILED: f"Run {d.get('run_id')} of {d.get('runbook')} ended "
        f"{d.get('outcome')}: {d.get('failure_code')}",
        AuditAction.RUNBOOK_LATE_RESULT: f"Run {d.get('run_id')} of {d.get('runbook')}, "
        f"recorded as {d.get('recorded_failure_code') or d.get('recorded_outcome')}, reached "
        f"the target after all: {d.get('late_outcome')}",
    }
    return texts.get(event.action, event.action.value.replace("_", " ").capitalize())


def _slack_time(ts: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def build_evidence(
    *,
    audit_events: Iterable[AuditEvent],
    timeline: Iterable[TimelineEntry],
    messages: Iterable[dict[str, Any]],
    changes: Iterable[CodeChange],
    max_messages: int = 100,
) -> list[EvidenceEntry]:
    """Everything, oldest first; at most `max_messages` channel messages (the latest ones),
    people's messages only (the bot's own posts repeat what the audit already says)."""
    entries: list[EvidenceEntry] = []
    for event in audit_events:
        text = describe_audit(event)
        if text is not None:
            entries.append(
                EvidenceEntry(
                    id=f"A{event.seq}",
                    at=event.at,
                    source=EntrySource.AUDIT,
                    actor=event.actor,
                    text=_clip(text),
                )
            )
    for n, entry in enumerate(timeline, start=1):
        label = "Note" if entry.kind is TimelineKind.NOTE else entry.kind.value.replace("_", " ")
        # change markers (`/marshal change`, runbook runs) say what they are themselves
        marker = (entry.source_ref or "").startswith("change:")
        entries.append(
            EvidenceEntry(
                id=f"N{n}",
                at=entry.at,
                source=EntrySource.CHANGE if marker else EntrySource.NOTE,
                actor=entry.author,
                text=_clip(entry.text if marker else f"{label.capitalize()}: {entry.text}"),
                is_note=not marker,
            )
        )
    people = [m for m in messages if m.get("user") and not m.get("bot_id") and m.get("text")]
    people.sort(key=lambda m: float(m.get("ts") or 0))
    for n, message in enumerate(people[-max_messages:], start=1):
        at = _slack_time(str(message.get("ts")))
        if at is not None:
            entries.append(
                EvidenceEntry(
                    id=f"M{n}",
                    at=at,
                    source=EntrySource.MESSAGE,
                    actor=str(message["user"]),
                    text=_clip(str(message["text"])),
                )
            )
    for n, change in enumerate(changes, start=1):
        entries.append(
            EvidenceEntry(
                id=f"C{n}",
                at=change.at,
                source=EntrySource.CHANGE,
                actor=change.repo,
                text=_clip(f"{change.kind} {change.ref} in {change.repo}: {change.summary}"),
            )
        )
    entries.sort(key=lambda e: (e.at, e.id))
    return entries
