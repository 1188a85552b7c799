"""OperatorCommands: the one audited write path of the operator API, the MCP server and the
web console (the console as the signed-in person, the API as `api:<token name>`, an agent as
`agent:<token name>`).

No second code path: each write runs the very subcommand a person types in the incident's
room (`CommandRunner.run_as`, the command registry's own parse, permission checks and
COMMAND_RUN audit), and declaring goes through `/marshal declare`'s own intake. On top, each
write is audited once more as OPERATOR_WRITE with the caller (`api:<token name>` or
`agent:<token name>`) or the person, `via` (api | mcp | console), the operation and the reason
given; the room is told through the outbox (RoomNotices), so it works when the web process
runs alone. Publishing a status-page post is
not among them: drafting is, and approval stays a human's button press in Slack.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.commands.note import MAX_NOTE_CHARS
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident, PublicStatus
from bot.domain.severity import Severity
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents
from bot.services.operator.room_notices import RoomNotices, quoted, via, where, who
from bot.services.operator.views import IncidentItem
from bot.services.slack_text import escape

SETTABLE_STATES = (
    IncidentStatus.INVESTIGATING,
    IncidentStatus.IDENTIFIED,
    IncidentStatus.MONITORING,
    IncidentStatus.MITIGATED,
)


class CommandResult(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def outcome(self) -> str:
        """ok | usage | refused | failed (bot/commands/base.py Outcome)."""


class CommandRunner(Protocol):
    """The command registry, as the operator writes use it."""

    def run_as(
        self, user_id: str, incident: Incident | None, text: str, *, via: str = "api"
    ) -> CommandResult: ...


class Declarer(Protocol):
    """`/marshal declare`'s own way of opening an incident."""

    def declare(
        self,
        user_id: str,
        channel_id: str,
        title: str,
        severity: Severity,
        *,
        service: str | None = None,
        team: str | None = None,
        responder: bool = True,
    ) -> Incident: ...


class WriteStatus(StrEnum):
    DONE = "done"
    INVALID = "invalid"  # the command could not use what was sent (422)
    REFUSED = "refused"  # a permission check said no (403)
    FAILED = "failed"  # the command could not do its job now, e.g. an illegal move (409)
    NOT_FOUND = "not_found"


# What the room is told, so responders see what a script or an agent did in their incident.
_DONE_IN_ROOM = {
    "acknowledge": "acknowledged the incident",
    "state": "changed the state",
    "note": "added a note to the timeline",
    "resolve": "resolved the incident",
    "status-draft": "drafted a status-page update for review",
    "followup": "added a follow-up",
    "change": "attached a change marker",
    "escalate": "paged the next escalation level",
    "escalation-hold": "held automatic escalation",
    "escalation-resume": "resumed automatic escalation",
}

_STATUS_OF = {
    "ok": WriteStatus.DONE,
    "usage": WriteStatus.INVALID,
    "refused": WriteStatus.REFUSED,
    "failed": WriteStatus.FAILED,
}


@dataclass(frozen=True)
class WriteResult:
    status: WriteStatus
    message: str
    incident: IncidentItem | None = None


class OperatorCommands:
    def __init__(
        self,
        runner: CommandRunner,
        declarer: Declarer | None,
        incidents: Incidents,
        audit: AuditLog,
        notices: RoomNotices | None = None,
    ) -> None:
        self._runner = runner
        self._declarer = declarer  # None where no Slack side can assemble a war room
        self._incidents = incidents
        self._audit = audit
        self._notices = notices

    def declare(
        self,
        actor: str,
        title: str,
        severity: Severity,
        *,
        service: str | None = None,
        team: str | None = None,
        reason: str | None = None,
    ) -> WriteResult:
        if self._declarer is None:
            return WriteResult(WriteStatus.FAILED, "declaring needs marshal's Slack side")
        incident = self._declarer.declare(
            actor, "api", title, severity, service=service, team=team, responder=False
        )
        self._record(incident.id, actor, "declare", reason, WriteStatus.DONE)
        return WriteResult(
            WriteStatus.DONE,
            f"declared incident {incident.id}; the war room is being assembled",
            IncidentItem.of(incident),
        )

    def acknowledge(self, actor: str, incident_id: str, reason: str | None = None) -> WriteResult:
        return self._run(actor, incident_id, "acknowledge", "ack", reason)

    def set_state(
        self, actor: str, incident_id: str, state: IncidentStatus, reason: str | None = None
    ) -> WriteResult:
        if state not in SETTABLE_STATES:
            return WriteResult(
                WriteStatus.INVALID,
                "state must be one of " + ", ".join(s.value for s in SETTABLE_STATES),
            )
        return self._run(actor, incident_id, "state", f"state {state.value}", reason)

    def add_note(self, actor: str, incident_id: str, text: str) -> WriteResult:
        text = text.strip()
        if not text:
            return WriteResult(WriteStatus.INVALID, "A note needs some text.")
        if len(text) > MAX_NOTE_CHARS:
            return WriteResult(
                WriteStatus.INVALID, f"Notes are limited to {MAX_NOTE_CHARS} characters."
            )
        return self._run(actor, incident_id, "note", f"note {text}", None, said=text)

    def resolve(self, actor: str, incident_id: str, reason: str) -> WriteResult:
        return self._run(actor, incident_id, "resolve", f"resolve {reason}", reason)

    def draft_status(
        self,
        actor: str,
        incident_id: str,
        public_status: PublicStatus,
        text: str | None = None,
        reason: str | None = None,
    ) -> WriteResult:
        command = f"status draft {public_status.value} {text or ''}".rstrip()
        return self._run(actor, incident_id, "status-draft", command, reason)

    def add_followup(
        self,
        actor: str,
        incident_id: str,
        text: str,
        *,
        due: str,
        priority: str = "P3",
        kind: str = "corrective",
    ) -> WriteResult:
        """`followup add`, every option given so no word of `text` is read as one."""
        command = f"followup add {text} due {due} {priority} {kind}"
        return self._run(actor, incident_id, "followup", command, None)

    def mark_change(
        self, actor: str, incident_id: str, ref: str, url: str | None, reason: str | None
    ) -> WriteResult:
        """`change <ref> [url]`; both quoted, so a space or a quote in them stays theirs."""
        words = " ".join(shlex.quote(w) for w in (ref, url) if w)
        return self._run(actor, incident_id, "change", f"change {words}", reason)

    def escalate(self, actor: str, incident_id: str, reason: str) -> WriteResult:
        """`escalate <reason>`: page the next level of the incident's policy now."""
        return self._run(actor, incident_id, "escalate", f"escalate {reason}", reason)

    def hold_escalation(
        self, actor: str, incident_id: str, duration: str, reason: str
    ) -> WriteResult:
        """`escalation hold <duration> <reason>`; the duration is one word (e.g. 30m)."""
        command = f"escalation hold {duration} {reason}"
        return self._run(actor, incident_id, "escalation-hold", command, reason)

    def resume_escalation(self, actor: str, incident_id: str, reason: str | None) -> WriteResult:
        command = f"escalation resume {reason or ''}".rstrip()
        return self._run(actor, incident_id, "escalation-resume", command, reason)

    def _run(
        self,
        actor: str,
        incident_id: str,
        operation: str,
        command: str,
        reason: str | None,
        *,
        said: str | None = None,
    ) -> WriteResult:
        incident = self._incidents.get(incident_id)
        if incident is None:
            return WriteResult(WriteStatus.NOT_FOUND, f"no incident {incident_id}")
        reply = self._runner.run_as(actor, incident, command, via=via(actor))
        status = _STATUS_OF.get(str(reply.outcome), WriteStatus.FAILED)
        after = self._incidents.get(incident_id) or incident
        beaten = operation == "acknowledge" and after.acknowledged_by != actor
        if status is WriteStatus.DONE and beaten:
            status = WriteStatus.FAILED  # someone else was first: the reply says who
        self._record(incident.id, actor, operation, reason, status)
        if status is WriteStatus.DONE:
            self._tell_room(after, actor, operation, reason, said)
        return WriteResult(status, reply.text, IncidentItem.of(after))

    def _tell_room(
        self, incident: Incident, actor: str, operation: str, why: str | None, said: str | None
    ) -> None:
        if self._notices is None:
            return
        text = f"{who(actor)} {_DONE_IN_ROOM.get(operation, operation)}{where(actor)}"
        if why:
            text += f": {escape(why)}"
        if said:
            text += f"\n{quoted(said)}"
        self._notices.tell(incident, text)

    def _record(
        self, chain: str, actor: str, operation: str, reason: str | None, status: WriteStatus
    ) -> None:
        details: dict[str, object] = {
            "operation": operation,
            "outcome": status.value,
            "via": via(actor),
        }
        if reason:
            details["reason"] = reason
        self._audit.append(chain, actor=actor, action=AuditAction.OPERATOR_WRITE, details=details)
