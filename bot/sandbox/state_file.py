"""The sandbox's state file: its workspace kept beside the store, so a restart changes nothing.

Owns the JSON form of a workspace (users, user groups, channels with their messages, pins and
bookmarks, views, the id counter) and when it is written: shortly after a request that may have
changed something (a saver thread, at most every `SAVE_SECONDS`), once more at stop, and, for the
id counter, before a new block of ids is handed out (`Workspace.reserve_ids`). After a crash the
counter starts at the reserved ceiling, so a channel id marshal stored is never given to a second
channel, even when the crash lost the channel itself.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from bot.sandbox.records import (
    Bookmark,
    Channel,
    Ephemeral,
    Message,
    Pin,
    TextSetting,
    User,
    UserGroup,
)
from bot.sandbox.workspace import Workspace

log = logging.getLogger(__name__)

FORMAT = 1
SAVE_SECONDS = 0.25
FILE_NAME = "sandbox-slack.json"


def dump(workspace: Workspace, *, clean: bool = False) -> dict[str, Any]:
    """The workspace as JSON-ready data; `clean` says no id beyond `next_id` was handed out."""
    with workspace.lock:
        return {
            "format": FORMAT,
            "clean": clean,
            "next_id": workspace.next_id,
            "id_ceiling": workspace.id_ceiling,
            "users": [asdict(u) for u in workspace.users.values()],
            "usergroups": [asdict(g) for g in workspace.usergroups.values()],
            "channels": [asdict(c) for c in workspace.channels.values()],
            "views": dict(workspace.views),
        }


def _channel(data: dict[str, Any]) -> Channel:
    return Channel(
        **{
            **data,
            "topic": TextSetting(**data["topic"]),
            "purpose": TextSetting(**data["purpose"]),
            "messages": [Message(**m) for m in data["messages"]],
            "ephemerals": [Ephemeral(**e) for e in data["ephemerals"]],
            "pins": [Pin(**p) for p in data["pins"]],
            "bookmarks": [Bookmark(**b) for b in data["bookmarks"]],
        }
    )


def restore(workspace: Workspace, data: dict[str, Any]) -> None:
    """Replace the workspace's contents with what `dump` wrote."""
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown sandbox state format {data.get('format')!r}")
    with workspace.lock:
        workspace.users = {u["id"]: User(**u) for u in data["users"]}
        workspace.usergroups = {g["id"]: UserGroup(**g) for g in data["usergroups"]}
        workspace.channels = {c["id"]: _channel(c) for c in data["channels"]}
        workspace.views = dict(data["views"])
        next_id = int(data["next_id"])
        ceiling = data.get("id_ceiling")
        if not data.get("clean") and ceiling is not None:
            # A crash may have handed out any id below the reserved ceiling.
            next_id = max(next_id, int(ceiling))
        workspace.next_id = next_id
        workspace.id_ceiling = None  # the first new id reserves a fresh block
        newest = [float(m.ts) for c in workspace.channels.values() for m in c.messages]
        workspace.continue_clock(max(newest, default=0.0))


class StateFile:
    """Loads a workspace from `path` and keeps the file current while the sandbox runs."""

    def __init__(self, path: Path, workspace: Callable[[], Workspace]) -> None:
        self.path = path
        self._workspace = workspace
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()

    def load_into(self, workspace: Workspace) -> bool:
        """Fill `workspace` from the file, if there is one; True when it was restored."""
        self.attach(workspace)
        if not self.path.exists():
            return False
        try:
            restore(workspace, json.loads(self.path.read_text("utf-8")))
        except (ValueError, KeyError, TypeError) as exc:
            # A broken file must not stop marshal starting; keep it for a person to look at.
            aside = self.path.with_suffix(".broken.json")
            os.replace(self.path, aside)
            log.warning("sandbox state unreadable; starting afresh", extra={"moved_to": str(aside)})
            log.debug("sandbox state error", exc_info=exc)
            return False
        return True

    def attach(self, workspace: Workspace) -> None:
        workspace.reserve_ids = self._reserve

    def _reserve(self, ceiling: int) -> None:
        # Called under the workspace lock by Workspace._new_id with the new ceiling already set.
        self.save()

    def changed(self) -> None:
        self._changed.set()

    def save(self, *, clean: bool = False) -> None:
        with self._write_lock:
            workspace = self._workspace()
            with workspace.lock:
                text = json.dumps(dump(workspace, clean=clean), separators=(",", ":"))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(text, "utf-8")
            os.replace(temporary, self.path)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sandbox-state", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.wait(SAVE_SECONDS):
            if self._changed.is_set():
                self._changed.clear()
                self._save_logged()

    def _save_logged(self, *, clean: bool = False) -> None:
        try:
            self.save(clean=clean)
        except OSError:
            log.exception("sandbox state not saved", extra={"path": str(self.path)})

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5)
        self._save_logged(clean=True)


class MarkChanges:
    """ASGI middleware: any POST (Web API, control API, response URL) may change the workspace."""

    def __init__(self, app: ASGIApp, changed: Callable[[], None]) -> None:
        self.app = app
        self._changed = changed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            # After the request, so a save that ran while it was under way is followed by another.
            self._changed()
