"""Context port: live figures about the affected service for the war room's snapshot.

A source is bound to one team's queries (a URL and what to ask it); the catalog hands out
the sources configured for a team. Everything a source returns is untrusted text from
outside: the renderer escapes and clips it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.errors import MarshalError


class ContextUnavailable(MarshalError):
    """The source could not answer (down, slow, refused, or an answer we cannot read)."""


@dataclass(frozen=True)
class ContextSection:
    """What one source said: a title and plain-text rows, or why it could not say."""

    title: str  # "Metrics", "Recent errors", "Recent traces"
    rows: tuple[str, ...] = ()
    unavailable: str | None = None  # the reason, when the source could not answer


class ContextSource(Protocol):
    @property
    def title(self) -> str: ...

    def fetch(self, now: datetime) -> ContextSection:
        """Ask the source about the moments up to `now`; raises ContextUnavailable."""


class ContextCatalog(Protocol):
    def sources_for(self, *names: str) -> Sequence[ContextSource]:
        """The sources of the first configured name (team, then service); empty if none."""
