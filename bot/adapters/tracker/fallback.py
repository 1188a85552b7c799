"""FallbackTracker: file in the primary tracker (Linear); if it refuses, file the markdown
file instead and say why, so a postmortem is never lost to a tracker outage."""

from __future__ import annotations

import logging

from bot.ports.tracker import FiledPostmortem, PostmortemFiling, Tracker, TrackerError

log = logging.getLogger(__name__)


class FallbackTracker:
    def __init__(self, primary: Tracker, fallback: Tracker) -> None:
        self._primary = primary
        self._fallback = fallback

    @property
    def name(self) -> str:
        return self._primary.name

    def file(self, filing: PostmortemFiling) -> FiledPostmortem:
        try:
            return self._primary.file(filing)
        except TrackerError as exc:
            log.warning("primary tracker refused the postmortem: %s", exc)
            filed = self._fallback.file(filing)
            return filed.model_copy(update={"note": f"{self._primary.name} failed: {exc.reason}"})
