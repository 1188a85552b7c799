"""Directory port: who belongs to a team, as emails or Slack user ids."""

from __future__ import annotations

from typing import Protocol

from bot.domain.errors import MarshalError


class DirectoryUnavailable(MarshalError):
    """The directory source cannot be read right now; a war room goes ahead without it."""


class Directory(Protocol):
    def members(self, team: str) -> list[str]:
        """Emails and/or Slack user ids (U…/W…) of `team`; [] when unknown.
        Raises DirectoryUnavailable when the source cannot be read."""
