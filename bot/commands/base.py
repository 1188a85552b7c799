"""The subcommand contract: CommandContext in, CommandReply out, plus argument parsing helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.domain.models import Incident
from bot.ports.slack_views import MessageView


class Outcome(StrEnum):
    OK = "ok"
    USAGE = "usage"  # the user typed something we could not use
    REFUSED = "refused"  # a permission check said no
    FAILED = "failed"  # we could not do the job; the reply says why


@dataclass(frozen=True)
class CommandReply:
    text: str
    view: MessageView | None = None  # rendered to Block Kit by the Slack adapter
    in_channel: bool = False
    outcome: Outcome = Outcome.OK

    @classmethod
    def usage(cls, text: str) -> CommandReply:
        return cls(text, outcome=Outcome.USAGE)

    @classmethod
    def failed(cls, text: str) -> CommandReply:
        return cls(text, outcome=Outcome.FAILED)


@dataclass(frozen=True)
class CommandContext:
    user_id: str
    channel_id: str
    command: str  # the configured root command, e.g. "/marshal", for hints
    name: str  # the subcommand as typed
    args: list[str] = field(default_factory=list)
    rest: str = ""  # raw text after the subcommand name, for free-text commands
    incident: Incident | None = None

    def hint(self, usage: str) -> str:
        return f"`{self.command} {usage}`"

    def require_incident(self) -> Incident:
        # The registry resolves the incident before a channel-scoped command runs.
        assert self.incident is not None
        return self.incident


class Subcommand(Protocol):
    """One `/marshal <name>` subcommand. Modules in bot/commands/ each export one."""

    @property
    def name(self) -> str: ...

    @property
    def summary(self) -> str:
        """One line for `help`."""

    @property
    def usage(self) -> str:
        """Arguments after the name, e.g. `state investigating|identified|...`."""

    @property
    def needs_incident(self) -> bool:
        """Runs only in an incident channel (the registry resolves the incident)."""

    @property
    def free_text(self) -> bool:
        """Arguments are free text (quotes and apostrophes kept), not shell-style words."""

    def run(self, ctx: CommandContext) -> CommandReply: ...


_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_BARE_ID = re.compile(r"^@?([UW][A-Z0-9]{2,})$")
_MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def parse_user(token: str) -> str | None:
    """A Slack user id from `<@U123|name>`, `<@U123>` or a bare `U123`; None otherwise."""
    match = _MENTION.match(token) or _BARE_ID.match(token)
    return match.group(1) if match else None


def parse_email(token: str) -> str | None:
    """An email from Slack's escaped `<mailto:a@b.c|a@b.c>` or a bare address."""
    match = _MAILTO.match(token)
    candidate = match.group(1) if match else token
    return candidate if _EMAIL.match(candidate) else None


def mention(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "nobody"
