"""The console's actions: acknowledge, add a note, hold or resume escalation, as the person
signed in.

No second code path: each goes through OperatorCommands (bot/services/operator/commands.py),
the operator API's and the MCP server's write service, with the person's Slack user id as the
actor. So the subcommand Slack runs does the work, the audit shape is the same (COMMAND_RUN
and OPERATOR_WRITE, `via: console`), and the room is told through the outbox. This module
only turns the service's answer into the page's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.models import Incident
from bot.services.operator.commands import OperatorCommands, WriteResult, WriteStatus
from bot.web.console.sessions import Person


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str


class ConsoleActions:
    def __init__(self, commands: OperatorCommands) -> None:
        self._commands = commands

    def acknowledge(self, person: Person, incident: Incident) -> ActionResult:
        result = self._commands.acknowledge(person.user_id, incident.id)
        if result.status is not WriteStatus.DONE:
            return _refused(result)
        state = (result.incident or incident).status.value
        return ActionResult(True, f"Acknowledged. State: {state}.")

    def add_note(self, person: Person, incident: Incident, text: str) -> ActionResult:
        result = self._commands.add_note(person.user_id, incident.id, text)
        if result.status is not WriteStatus.DONE:
            return _refused(result)
        return ActionResult(True, "Note added to the timeline.")

    def hold_escalation(
        self, person: Person, incident: Incident, duration: str, reason: str
    ) -> ActionResult:
        duration, reason = duration.strip(), " ".join(reason.split())
        if not duration or " " in duration or not reason:
            return ActionResult(False, "A hold needs a duration (e.g. 30m) and a reason.")
        result = self._commands.hold_escalation(person.user_id, incident.id, duration, reason)
        if result.status is not WriteStatus.DONE:
            return _refused(result)
        return ActionResult(True, f"Automatic escalation held for {duration}.")

    def resume_escalation(self, person: Person, incident: Incident) -> ActionResult:
        result = self._commands.resume_escalation(person.user_id, incident.id, "from the console")
        if result.status is not WriteStatus.DONE:
            return _refused(result)
        return ActionResult(True, "Automatic escalation resumed.")


def _refused(result: WriteResult) -> ActionResult:
    """A command's Slack reply as plain words for the page (the template escapes it)."""
    return ActionResult(False, result.message.replace("*", "").replace("`", ""))
