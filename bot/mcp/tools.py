"""OperatorTools: what each MCP tool does, over the same operator services the HTTP API uses.

Every tool answers JSON-ready data. Writes run as `agent:<token name>` through
OperatorCommands (the Slack subcommands, audited), and only when the server was started with
--allow-writes AND the calling token has write scope; otherwise they refuse and say why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from mcp.server.mcpserver.exceptions import ToolError

from bot.domain.api_tokens import ApiToken, TokenScope
from bot.domain.models import PublicStatus, utcnow
from bot.ports.followups import FollowUpStore
from bot.services.followups.listing import FollowUpScope, select
from bot.services.operator.commands import OperatorCommands, WriteResult
from bot.services.operator.incident_detail import IncidentDetailReader
from bot.services.operator.incident_queue import IncidentQueue
from bot.services.operator.similar import SimilarIncidents


class ToolRefused(ToolError):
    """A tool the caller may not use, or an incident that does not exist: the SDK's ToolError,
    so the agent reads why (any other exception shows it only "Error executing tool")."""


@dataclass(frozen=True)
class OperatorTools:
    queue: IncidentQueue
    reader: IncidentDetailReader
    similar: SimilarIncidents
    commands: OperatorCommands | None  # None unless started with --allow-writes
    caller: Callable[[], ApiToken]  # the token of the request being served
    followups: FollowUpStore | None = None

    # -- read tools --------------------------------------------------------------------------

    def list_incidents(self, cursor: str | None = None, limit: int = 30) -> dict[str, Any]:
        return self.queue.page(cursor=cursor, limit=limit).model_dump(mode="json")

    def incident_detail(self, incident_id: str) -> dict[str, Any]:
        found = self.reader.detail(incident_id)
        if found is None:
            raise ToolRefused(f"no incident {incident_id}")
        return found.model_dump(mode="json")

    def timeline(self, incident_id: str) -> list[dict[str, Any]]:
        found = self.reader.timeline(incident_id)
        if found is None:
            raise ToolRefused(f"no incident {incident_id}")
        return [e.model_dump(mode="json") for e in found]

    def audit_trail(self, incident_id: str) -> list[dict[str, Any]]:
        found = self.reader.audit_trail(incident_id)
        if found is None:
            raise ToolRefused(f"no incident {incident_id}")
        return [e.model_dump(mode="json") for e in found]

    def similar_incidents(self, incident_id: str, limit: int = 5) -> list[dict[str, Any]]:
        incident = self.reader.incident(incident_id)
        if incident is None:
            raise ToolRefused(f"no incident {incident_id}")
        return [s.model_dump(mode="json") for s in self.similar.like(incident, limit=limit)]

    # -- write tools -------------------------------------------------------------------------

    def add_note(self, incident_id: str, text: str) -> dict[str, Any]:
        commands, actor = self._writer()
        return _answer(commands.add_note(actor, incident_id, text))

    def acknowledge(self, incident_id: str, reason: str | None = None) -> dict[str, Any]:
        commands, actor = self._writer()
        return _answer(commands.acknowledge(actor, incident_id, reason))

    def draft_status_update(
        self,
        incident_id: str,
        text: str,
        public_status: PublicStatus = PublicStatus.INVESTIGATING,
        reason: str | None = None,
    ) -> dict[str, Any]:
        commands, actor = self._writer()
        return _answer(commands.draft_status(actor, incident_id, public_status, text, reason))

    def add_followup(
        self,
        incident_id: str,
        text: str,
        due: str = "30d",
        priority: Literal["P1", "P2", "P3"] = "P3",
    ) -> dict[str, Any]:
        commands, actor = self._writer()
        return _answer(commands.add_followup(actor, incident_id, text, due=due, priority=priority))

    def list_followups(
        self, scope: Literal["open", "overdue", "all"] = "open", service: str | None = None
    ) -> list[dict[str, Any]]:
        if self.followups is None:
            raise ToolRefused("follow-ups are not kept by this marshal")
        found = select(self.followups, FollowUpScope(scope), now=utcnow(), service=service)
        return [f.model_dump(mode="json") for f in found[:100]]

    def _writer(self) -> tuple[OperatorCommands, str]:
        token = self.caller()
        if self.commands is None:
            raise ToolRefused(
                "write tools are off: this MCP server was started without --allow-writes"
            )
        if not token.scope.allows(TokenScope.WRITE):
            raise ToolRefused(f"token {token.name!r} has read scope; write tools need write scope")
        return self.commands, f"agent:{token.name}"


def _answer(result: WriteResult) -> dict[str, Any]:
    return {
        "outcome": result.status.value,
        "message": result.message,
        "incident": result.incident.model_dump(mode="json") if result.incident else None,
    }
