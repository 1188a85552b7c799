"""ChangeHistory port: recent commits and deploys of a service's repository, for postmortems."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel

from bot.domain.errors import MarshalError


class ChangeHistoryUnavailable(MarshalError):
    pass


class CodeChange(BaseModel):
    kind: str  # "commit" | "deploy"
    repo: str
    ref: str  # short sha or deployment id
    at: datetime
    summary: str  # first line of the commit message, or "deploy to <env>"
    url: str | None = None


class ChangeHistory(Protocol):
    def recent_changes(self, repo: str, *, since: datetime, until: datetime) -> list[CodeChange]:
        """Commits and deployments in [since, until], oldest first; raises
        ChangeHistoryUnavailable when the host cannot answer."""
