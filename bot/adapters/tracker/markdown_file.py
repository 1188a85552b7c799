"""MarkdownFileTracker: files the postmortem as `<MARSHAL_POSTMORTEM_DIR>/<incident-id>.md`.

Written to a temporary file and renamed, so a reader never sees half a postmortem and a
retry simply replaces the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from bot.ports.tracker import FiledPostmortem, PostmortemFiling, TrackerError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


class MarkdownFileTracker:
    name = "markdown"

    def __init__(self, directory: Path) -> None:
        self._directory = directory

    def path_for(self, incident_id: str) -> Path:
        if not _SAFE_NAME.match(incident_id) or incident_id.startswith("."):
            raise TrackerError(self.name, f"{incident_id!r} is not a safe file name")
        return self._directory / f"{incident_id}.md"

    def file(self, filing: PostmortemFiling) -> FiledPostmortem:
        path = self.path_for(filing.incident_id)
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".md.partial")
            partial.write_text(filing.markdown, encoding="utf-8")
            os.replace(partial, path)
        except OSError as exc:
            raise TrackerError(self.name, f"could not write {path}: {exc.strerror}") from exc
        resolved = path.resolve()
        return FiledPostmortem(tracker=self.name, url=resolved.as_uri(), ref=str(resolved))
