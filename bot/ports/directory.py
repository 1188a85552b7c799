"""Directory port: who belongs to a team, as emails or Slack user ids."""

from __future__ import annotations

from typing import Protocol


class Directory(Protocol):
    def members(self, team: str) -> list[str]:
        """Emails and/or Slack user ids (U…/W…) of `team`; [] when unknown.
        Raises DirectoryUnavailable when the source cannot be read."""
