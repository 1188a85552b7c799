"""The console's actions: acknowledge an incident and add a note, as the signed-in person.

Each runs the very subcommand Slack runs (`AckCommand`, `NoteCommand`), so the state change,
its audit events and its rules are the same; the run is audited like a Slack command
(COMMAND_RUN, with `via: console`), and what happened is told in the incident's room through
the outbox (a ROOM_MESSAGE event the processor posts, bot/events/room_message.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.commands.ack import AckCommand
from bot.commands.base import CommandContext, CommandReply, Outcome, Subcommand
from bot.commands.note import MAX_NOTE_CHARS, NoteCommand
from bot.domain.audit import AuditAction
from bot.domain.errors import BackendUnavailable
from bot.domain.ids import new_id
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.queue import EventType, Queue
from bot.ports.store import IncidentStore, OutboxEvent
from bot.services.outbox_relay import deliver
from bot.services.slack_text import escape, user
from bot.web.console.sessions import Person

log = logging.getLogger(__name__)

CONSOLE_CHANNEL = "web-console"  # the "channel" a console action is audited in


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str


class ConsoleActions:
    def __init__(
        self, store: IncidentStore, audit: AuditLog, queue: Queue, *, command: str = "/marshal"
    ) -> None:
        self._store = store
        self._audit = audit
        self._queue = queue
        self._command = command
        self._ack = AckCommand(store, audit)
        self._note = NoteCommand(store, audit)

    def acknowledge(self, person: Person, incident: Incident) -> ActionResult:
        reply = self._run(self._ack, person, incident, "")
        if reply.outcome is not Outcome.OK:
            return ActionResult(False, _plain(reply.text))
        stored = self._store.get(incident.id) or incident
        if stored.acknowledged_by != person.user_id:  # someone else was first
            return ActionResult(False, f"Already acknowledged by {stored.acknowledged_by}.")
        self._tell_room(
            stored,
            f"{user(person.user_id)} acknowledged the incident from the web console. "
            f"State: *{stored.status.value}*.",
        )
        return ActionResult(True, f"Acknowledged. State: {stored.status.value}.")

    def add_note(self, person: Person, incident: Incident, text: str) -> ActionResult:
        text = text.strip()
        if not text:
            return ActionResult(False, "A note needs some text.")
        if len(text) > MAX_NOTE_CHARS:
            return ActionResult(False, f"Notes are limited to {MAX_NOTE_CHARS} characters.")
        reply = self._run(self._note, person, incident, text)
        if reply.outcome is not Outcome.OK:
            return ActionResult(False, _plain(reply.text))
        quoted = "\n".join(f"> {line}" for line in escape(text).splitlines())
        self._tell_room(
            incident, f"{user(person.user_id)} added a note from the web console:\n{quoted}"
        )
        return ActionResult(True, "Note added to the timeline.")

    def _run(
        self, subcommand: Subcommand, person: Person, incident: Incident, rest: str
    ) -> CommandReply:
        ctx = CommandContext(
            user_id=person.user_id,
            channel_id=incident.channel_id or CONSOLE_CHANNEL,
            command=self._command,
            name=subcommand.name,
            args=rest.split(),
            rest=rest,
            incident=incident,
        )
        reply = subcommand.run(ctx)
        self._audit.append(
            incident.id,
            actor=person.user_id,
            action=AuditAction.COMMAND_RUN,
            details={
                "user": person.user_id,
                "channel": CONSOLE_CHANNEL,
                "subcommand": subcommand.name,
                "outcome": reply.outcome.value,
                "via": "console",
                "signed_in_with": person.via,
            },
        )
        return reply

    def _tell_room(self, incident: Incident, text: str) -> None:
        if not incident.channel_id:
            return  # no room yet: the timeline and audit trail hold it
        event = OutboxEvent(
            event_id=new_id("room"),
            incident_id=incident.id,
            event_type=EventType.ROOM_MESSAGE.value,
            payload={"channel_id": incident.channel_id, "text": text},
            created_at=utcnow(),
        )
        self._store.add_outbox(event)
        try:
            deliver(self._store, self._queue, event)
        except BackendUnavailable as exc:
            # Written to the outbox already: the relay sends it once the queue is back.
            log.warning("room message queued for the relay", extra={"error": str(exc)})


def _plain(text: str) -> str:
    """A command's Slack reply as plain words for the page (the template escapes it)."""
    return text.replace("*", "").replace("`", "")
