"""The incident endpoints: the queue, an incident's detail, timeline and audit trail (read
scope), and the writes (write scope) that run the same subcommands as Slack
(bot/services/operator/commands.py)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.operator.commands import OperatorCommands, WriteResult, WriteStatus
from bot.services.operator.incident_detail import IncidentDetailReader
from bot.services.operator.incident_queue import DEFAULT_LIMIT, MAX_LIMIT, IncidentQueue
from bot.services.operator.views import IncidentDetail
from bot.web.api.operations import Call, Operation, QueryParam, Reply, write_operation
from bot.web.api.schemas import (
    AcknowledgeBody,
    AuditPage,
    ChangeBody,
    DeclareBody,
    FollowUpBody,
    IncidentPage,
    NoteBody,
    ResolveBody,
    StateBody,
    StatusDraftBody,
    Strict,
    TimelinePage,
    WriteAnswer,
    page,
)

WRITE_STATUS = {
    WriteStatus.DONE: 200,
    WriteStatus.INVALID: 422,
    WriteStatus.REFUSED: 403,
    WriteStatus.FAILED: 409,
    WriteStatus.NOT_FOUND: 404,
}
NO_WRITES = (
    "writes run marshal's Slack commands: serve them with `marshal up`, or set SLACK_BOT_TOKEN "
    "for `marshal webhook`; this process has no Slack side"
)


def answer(result: WriteResult, *, created: bool = False) -> Reply:
    body = WriteAnswer(
        id=result.incident.id if result.incident else None,
        outcome=result.status.value,
        message=result.message,
        incident=result.incident,
    ).model_dump(mode="json")
    if result.status is not WriteStatus.DONE:
        return Reply(WRITE_STATUS[result.status], {"error": result.message, **body})
    return Reply(201 if created else 200, body)


class IncidentOperations:
    def __init__(
        self,
        queue: IncidentQueue,
        reader: IncidentDetailReader,
        commands: OperatorCommands | None,
    ) -> None:
        self._queue = queue
        self._reader = reader
        self._commands = commands

    def operations(self) -> Sequence[Operation]:
        one = "/incidents/{incident_id}"
        return (
            Operation(
                "GET",
                "/incidents",
                "listIncidents",
                "The incident queue: open incidents first, then resolved, each newest first",
                self.list_incidents,
                response=IncidentPage,
                query=(
                    QueryParam("cursor", "next_cursor of the previous page; a bad one restarts"),
                    QueryParam(
                        "limit",
                        f"page size, 1-{MAX_LIMIT} (default {DEFAULT_LIMIT})",
                        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                    ),
                ),
            ),
            Operation(
                "GET",
                one,
                "getIncident",
                "An incident with its timeline, roles, derived durations and drafts",
                self.detail,
                response=IncidentDetail,
                errors=(404,),
            ),
            Operation(
                "GET",
                f"{one}/timeline",
                "getTimeline",
                "The incident's timeline, oldest first",
                self.timeline,
                response=TimelinePage,
                errors=(404,),
            ),
            Operation(
                "GET",
                f"{one}/audit",
                "getAuditTrail",
                "The incident's audit chain, in order, with its hashes",
                self.audit,
                response=AuditPage,
                errors=(404,),
            ),
            self._write("/incidents", "declareIncident", "Declare an incident", DeclareBody),
            self._write(f"{one}/acknowledge", "acknowledge", "Acknowledge", AcknowledgeBody),
            self._write(f"{one}/state", "setState", "Set the working state", StateBody),
            self._write(f"{one}/notes", "addNote", "Add a note to the timeline", NoteBody),
            self._write(f"{one}/resolve", "resolve", "Resolve, with a summary", ResolveBody),
            self._write(f"{one}/followups", "addFollowUp", "Add a follow-up", FollowUpBody),
            self._write(f"{one}/changes", "markChange", "Attach a change marker", ChangeBody),
            self._write(
                f"{one}/status-drafts",
                "draftStatusUpdate",
                "Draft a status-page post for human review in Slack (never publishes)",
                StatusDraftBody,
            ),
        )

    def _write(self, path: str, op_id: str, summary: str, body: type[Strict]) -> Operation:
        created = 201 if body is DeclareBody else 200
        return write_operation(
            "POST", path, op_id, summary, self.write, body=body, success_status=created
        )

    def list_incidents(self, call: Call) -> Reply:
        raw = call.query.get("limit")
        limit = None
        if raw is not None:
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
                return Reply.error(400, f"limit: must be a whole number from 1 to {MAX_LIMIT}")
            limit = int(raw)
        found = self._queue.page(cursor=call.query.get("cursor"), limit=limit)
        return Reply(200, found.model_dump(mode="json"))

    def detail(self, call: Call) -> Reply:
        found = self._reader.detail(call.path["incident_id"])
        if found is None:
            return Reply.error(404, f"no incident {call.path['incident_id']}")
        return Reply(200, found.model_dump(mode="json"))

    def timeline(self, call: Call) -> Reply:
        found = self._reader.timeline(call.path["incident_id"])
        if found is None:
            return Reply.error(404, f"no incident {call.path['incident_id']}")
        return Reply(200, page([e.model_dump(mode="json") for e in found]))

    def audit(self, call: Call) -> Reply:
        found = self._reader.audit_trail(call.path["incident_id"])
        if found is None:
            return Reply.error(404, f"no incident {call.path['incident_id']}")
        return Reply(200, page([e.model_dump(mode="json") for e in found]))

    def write(self, call: Call) -> Reply:
        commands, body, actor = self._commands, call.body, call.actor
        if commands is None:
            return Reply.error(503, NO_WRITES)
        incident_id = call.path.get("incident_id", "")
        match body:
            case DeclareBody():
                result = commands.declare(
                    actor,
                    body.title,
                    body.severity,
                    service=body.service,
                    team=body.team,
                    reason=body.reason,
                )
                return answer(result, created=True)
            case AcknowledgeBody():
                result = commands.acknowledge(actor, incident_id, body.reason)
            case StateBody():
                result = commands.set_state(actor, incident_id, body.status, body.reason)
            case NoteBody():
                result = commands.add_note(actor, incident_id, body.text)
            case ResolveBody():
                result = commands.resolve(actor, incident_id, body.reason)
            case ChangeBody():
                result = commands.mark_change(actor, incident_id, body.ref, body.url, body.reason)
            case FollowUpBody():
                result = commands.add_followup(
                    actor,
                    incident_id,
                    body.text,
                    due=body.due,
                    priority=body.priority,
                    kind=body.kind,
                )
            case StatusDraftBody():
                result = commands.draft_status(
                    actor, incident_id, body.public_status, body.text, body.reason
                )
            case _:
                return Reply.error(400, "unexpected body")
        return answer(result)
