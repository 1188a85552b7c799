"""The context snapshot: live figures about the incident's service, posted in the war room.

Each source configured for the team (else the service) is asked on its own thread, all at
once, under one deadline. A source that fails or is still talking at the deadline shows
as "unavailable (reason)"; the snapshot never waits for it, so the room is never held up
past the deadline. Whatever a source said is untrusted: the renderer (bot/slack/blocks/
context_snapshot.py) escapes and clips it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime

from bot.domain.models import Incident, utcnow
from bot.ports.context import ContextCatalog, ContextSection, ContextSource, ContextUnavailable
from bot.ports.slack_views import ContextSnapshotView

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snapshot:
    name: str  # the team or service the sources were configured under
    at: datetime
    sections: tuple[ContextSection, ...]

    @property
    def unavailable(self) -> list[str]:
        return [s.title for s in self.sections if s.unavailable is not None]


class ContextSnapshotter:
    def __init__(
        self,
        catalog: ContextCatalog,
        *,
        timeout: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._catalog = catalog
        self._timeout = timeout
        self._clock = clock

    def take(self, incident: Incident) -> Snapshot | None:
        """The snapshot for the incident's team (else service); None when neither is configured."""
        names = [n for n in (incident.team, incident.service) if n]
        for name in names:
            sources = self._catalog.sources_for(name)
            if sources:
                return Snapshot(name, self._clock(), self._ask(incident.id, sources))
        return None

    def _ask(
        self, incident_id: str, sources: Sequence[ContextSource]
    ) -> tuple[ContextSection, ...]:
        now = self._clock()
        pool = ThreadPoolExecutor(max_workers=len(sources), thread_name_prefix="context")
        try:
            futures = [pool.submit(_fetch, incident_id, source, now) for source in sources]
            wait(futures, timeout=self._timeout)
        finally:
            # Never join a source still talking: its socket timeout ends its thread later.
            pool.shutdown(wait=False, cancel_futures=True)
        return tuple(
            self._section(source, future) for source, future in zip(sources, futures, strict=True)
        )

    def _section(self, source: ContextSource, future: Future[ContextSection]) -> ContextSection:
        if not future.done():
            return ContextSection(source.title, unavailable=f"timed out after {self._timeout:g}s")
        return future.result()


def _fetch(incident_id: str, source: ContextSource, now: datetime) -> ContextSection:
    try:
        return source.fetch(now)
    except ContextUnavailable as exc:
        return ContextSection(source.title, unavailable=str(exc) or "no answer")
    except Exception:
        # A bug in one source must not cost the room its other sources; it is logged loudly.
        log.exception("incident %s: context source %s failed", incident_id, source.title)
        return ContextSection(source.title, unavailable="internal error")


def snapshot_view(incident: Incident, snapshot: Snapshot) -> ContextSnapshotView:
    """The snapshot as a message (rendered, escaped and clipped by the Slack adapter)."""
    return ContextSnapshotView(incident.title, snapshot.name, snapshot.at, snapshot.sections)
