"""MarkdownFollowUpTracker: follow-ups as files `<MARSHAL_POSTMORTEM_DIR>/followups/<id>.md`,
behind the IssueTracker port the Jira sync uses, for teams whose tracker is the folder.

Each file starts with a `status: open` line; editing it to `status: done` (or `closed`)
marks the follow-up done on the next poll. A file is written to a temporary name and
renamed, and `find` adopts a file that is already there, so a retry never makes two and
never overwrites a status someone edited.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from bot.domain.followups import FollowUp
from bot.ports.issue_tracker import TrackedIssue
from bot.ports.tracker import TrackerError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_STATUS = re.compile(r"^\s*status:\s*(\w+)\s*$", re.IGNORECASE | re.MULTILINE)
DONE_WORDS = frozenset({"done", "closed"})


class MarkdownFollowUpTracker:
    name = "markdown"

    def __init__(self, directory: Path) -> None:
        self._directory = directory / "followups"

    def path_for(self, key: str) -> Path:
        if not _SAFE_NAME.match(key) or key.startswith("."):
            raise TrackerError(self.name, f"{key!r} is not a safe file name")
        return self._directory / f"{key}.md"

    def find(self, followup: FollowUp) -> TrackedIssue | None:
        path = self.path_for(followup.id)
        return self._issue(followup.id, path) if path.exists() else None

    def create(self, followup: FollowUp, *, incident_url: str | None = None) -> TrackedIssue:
        path = self.path_for(followup.id)
        source = (
            f"[{followup.incident_id}]({incident_url})" if incident_url else followup.incident_id
        )
        text = (
            "status: open\n\n"
            f"# {' '.join(followup.text.split())}\n\n"
            f"Follow-up `{followup.id}` of incident {source}.\n\n"
            f"{followup.priority.value} · {followup.kind.value} · due "
            f"{followup.due_at:%Y-%m-%d} · tracked by marshal. "
            "Edit the first line to `status: done` to close it.\n"
        )
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".md.partial")
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, path)
        except OSError as exc:
            raise TrackerError(self.name, f"could not write {path}: {exc.strerror}") from exc
        return self._issue(followup.id, path)

    def closed(self, keys: Iterable[str]) -> set[str]:
        done: set[str] = set()
        for key in set(keys):
            try:
                text = self.path_for(key).read_text(encoding="utf-8")
            except OSError:
                continue  # a removed file is not a decision to close
            status = _STATUS.search(text)
            if status and status.group(1).lower() in DONE_WORDS:
                done.add(key)
        return done

    def _issue(self, key: str, path: Path) -> TrackedIssue:
        return TrackedIssue(key=key, url=path.resolve().as_uri())
