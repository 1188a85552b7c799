"""CommandRegistry: parses `/marshal …` text, finds the subcommand, runs it, audits every run.

One explicit `register(...)` per subcommand (see `build_command_registry`); no discovery.
"""

from __future__ import annotations

import logging
import re
import shlex
from dataclasses import dataclass

from bot.commands.base import CommandContext, CommandReply, Outcome, Subcommand
from bot.domain.audit import AuditAction
from bot.domain.errors import MarshalError
from bot.domain.models import Incident
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore
from bot.services.permissions import PermissionRefused
from bot.services.slack_text import escape, unescape
from bot.services.war_room.rooms import find_room

log = logging.getLogger(__name__)

WORKSPACE_CHAIN = "workspace"  # audit chain for commands run outside any incident channel
_HEAD = re.compile(r"^\s*(\S+)\s*(.*)$", re.DOTALL)


@dataclass(frozen=True)
class CommandLimits:
    max_text_chars: int = 2000
    max_args: int = 40


class CommandRegistry:
    def __init__(
        self,
        store: IncidentStore,
        audit: AuditLog,
        *,
        command: str = "/marshal",
        limits: CommandLimits | None = None,
    ) -> None:
        self._store = store
        self._audit = audit
        self._command = command
        self._limits = limits or CommandLimits()
        self._subcommands: dict[str, Subcommand] = {}

    @property
    def command(self) -> str:
        return self._command

    def register(self, subcommand: Subcommand) -> None:
        if subcommand.name in self._subcommands:
            raise ValueError(f"subcommand {subcommand.name!r} is registered twice")
        self._subcommands[subcommand.name] = subcommand

    def subcommands(self) -> list[Subcommand]:
        return list(self._subcommands.values())

    def subcommand(self, name: str) -> Subcommand | None:
        return self._subcommands.get(name)

    def dispatch(
        self, user_id: str, channel_id: str, text: str, *, channel_name: str = ""
    ) -> CommandReply:
        """Run `/marshal <text>` for `user_id` in `channel_id`; always returns a reply.

        `channel_name` (Slack sends it with the command) lets a room whose creation the
        assembler has not recorded yet count as the incident's room already."""
        incident = find_room(self._store, channel_id, channel_name)
        return self._run_audited(user_id, channel_id, text, incident, {"channel": channel_id})

    def run_as(
        self, user_id: str, incident: Incident | None, text: str, *, via: str = "api"
    ) -> CommandReply:
        """Run `<text>` (a subcommand and its arguments) for `user_id` on `incident`, as if
        typed in its room: the operator writes (API, MCP, web console) take this same path,
        permission checks and the COMMAND_RUN audit included (channel and `via` name the
        caller: api | mcp | console)."""
        channel_id = incident.channel_id or "" if incident else ""
        return self._run_audited(user_id, channel_id, text, incident, {"channel": via, "via": via})

    def _run_audited(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        incident: Incident | None,
        caller: dict[str, str],
    ) -> CommandReply:
        """Run the subcommand and record it (COMMAND_RUN, with `caller`'s channel/via)."""
        name, reply = self._run(user_id, channel_id, text, incident)
        self._audit.append(
            incident.id if incident else WORKSPACE_CHAIN,
            actor=user_id,
            action=AuditAction.COMMAND_RUN,
            details={
                "user": user_id,
                **caller,
                "subcommand": name,
                "outcome": reply.outcome.value,
            },
        )
        return reply

    def _run(
        self, user_id: str, channel_id: str, text: str, incident: Incident | None
    ) -> tuple[str, CommandReply]:
        text = unescape(text)  # mentions stay markup (<@U1|name>); parse_user reads them
        limit = self._limits.max_text_chars
        if len(text) > limit:
            return "", CommandReply.usage(
                f"That command is {len(text):,} characters long; the limit is {limit:,}."
            )
        head = _HEAD.match(text)
        name, rest = (head.group(1).lower(), head.group(2)) if head else ("help", "")
        subcommand = self._subcommands.get(name)
        if subcommand is None:
            return name, CommandReply.usage(
                f"Unknown subcommand `{escape(name[:40])}`. Try `{self._command} help`."
            )
        try:
            args = rest.split() if subcommand.free_text else shlex.split(rest)
        except ValueError as exc:
            return name, CommandReply.usage(
                f"I could not read those arguments ({escape(exc)}); check that every quote is "
                "closed. "
                f"Usage: `{self._command} {subcommand.name} {subcommand.usage}`".rstrip()
            )
        if len(args) > self._limits.max_args:
            return name, CommandReply.usage(
                f"That is {len(args)} arguments; `{self._command} {name}` takes at most "
                f"{self._limits.max_args}."
            )
        if subcommand.needs_incident and incident is None:
            return name, CommandReply.usage(
                "This channel is not an incident war room; run this in an incident channel "
                f"or use `{self._command} list`."
            )
        ctx = CommandContext(
            user_id=user_id,
            channel_id=channel_id,
            command=self._command,
            name=name,
            args=args,
            rest=rest.strip(),
            incident=incident,
        )
        return name, self._run_subcommand(subcommand, ctx)

    def _run_subcommand(self, subcommand: Subcommand, ctx: CommandContext) -> CommandReply:
        try:
            return subcommand.run(ctx)
        except PermissionRefused as exc:
            self._audit.append(
                ctx.incident.id if ctx.incident else WORKSPACE_CHAIN,
                actor=ctx.user_id,
                action=AuditAction.PERMISSION_DENIED,
                details={"user": ctx.user_id, "subcommand": ctx.name, "reason": exc.reason},
            )
            return CommandReply(
                f"Sorry, you may not {exc.action}: {exc.reason}.", outcome=Outcome.REFUSED
            )
        except MarshalError as exc:
            return CommandReply.failed(
                f"`{ctx.command} {ctx.name}` did not complete: {escape(exc)}"
            )
        except Exception:
            log.exception("subcommand crashed", extra={"subcommand": ctx.name})
            return CommandReply.failed(
                f"`{ctx.command} {ctx.name}` failed unexpectedly; nothing may have changed. "
                "The error is in marshal's logs."
            )
