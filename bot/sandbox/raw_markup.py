"""Raw markup in what an app sent Slack: the check behind "nothing from an alert can mention
a person or a group" (DESIGN.md, invariants).

`find_raw_markup` walks every recorded call (Web API arguments, ack bodies, response-URL
posts; see bot/sandbox/call_log.py) and every string in them, JSON-encoded `blocks` and
views included, and reports each Slack control sequence (`<!…>`, `<@…>`, `<#…>`, `<http…>`)
that is not one an app may legitimately build:

- `<!channel>`, `<!here>`, `<!everyone>` and any other broadcast: never;
- `<@U…>`, `<#C…>`, `<!subteam^S…>`: only for ids in `known_ids` (the workspace's users,
  channels and user groups, when given), so an alert's `<@U123>` is caught;
- anything containing one of the `hostile` markers the test planted in its input (a real
  user's id, an evil link): the provenance check the id rule cannot make alone.

Values Slack never renders (button values, modal input values, metadata, ids, URLs of
bookmarks) are skipped. Works on the sandbox's `ApiCall`s in-process or on the control
API's JSON (`SandboxControl.calls()`), so any test can apply it to its own recorded calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.sandbox.call_log import ApiCall

# Keys whose values are data, not text Slack draws.
UNRENDERED_KEYS = frozenset(
    {
        "value",
        "initial_value",
        "private_metadata",
        "action_id",
        "block_id",
        "callback_id",
        "external_id",
        "trigger_id",
        "view_id",
        "hash",
        "ts",
        "thread_ts",
        "timestamp",
        "channel",
        "channel_id",
        "user",
        "users",
        "usergroup",
        "email",
        "link",
        "url",
        "image_url",
        "response_action",
        "response_type",
    }
)
_SEQUENCE = re.compile(r"<([!@#][^<>]*|[a-zA-Z][a-zA-Z0-9+.-]*:[^<>]*)>")
_ALLOWED_BANG = re.compile(r"^!date\^\d+\^")
_ID = re.compile(r"^[@#]([A-Z0-9_]+)(?:\|[^<>]*)?$")
_GROUP = re.compile(r"^!subteam\^([A-Z0-9_]+)(?:\|[^<>]*)?$")


@dataclass(frozen=True)
class RawMarkup:
    """One control sequence found where it should not be."""

    method: str
    path: str  # where in the call's arguments, e.g. `blocks[0].text.text`
    sequence: str  # as sent, e.g. `<!channel>`
    why: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}: {self.sequence} ({self.why})"


def find_raw_markup(
    calls: Iterable[ApiCall | Mapping[str, Any]],
    *,
    known_ids: Collection[str] | None = None,
    hostile: Collection[str] = (),
) -> list[RawMarkup]:
    """Every control sequence in `calls` that the app had no business sending."""
    found: list[RawMarkup] = []
    for call in calls:
        method, args = (
            (call.method, call.args)
            if isinstance(call, ApiCall)
            else (str(call["method"]), call.get("args") or {})
        )
        for path, text in _strings(args, ""):
            for match in _SEQUENCE.finditer(text):
                why = _refusal(match.group(1), known_ids, hostile)
                if why:
                    found.append(RawMarkup(method, path.lstrip("."), match.group(0), why))
    return found


def known_ids(state: Mapping[str, Any]) -> set[str]:
    """The user, channel and user-group ids of a sandbox state (`SandboxControl.state()`)."""
    return {
        str(item["id"])
        for key in ("users", "channels", "usergroups")
        for item in state.get(key) or []
        if item.get("id")
    }


def _refusal(inner: str, known: Collection[str] | None, hostile: Collection[str]) -> str | None:
    # What follows `|` is the label Slack shows as text; the part before it acts.
    target = inner.partition("|")[0]
    planted = next((marker for marker in hostile if marker in target), None)
    if planted is not None:
        return f"contains the planted {planted!r}"
    if inner.startswith("!"):
        group = _GROUP.match(inner)
        if group:
            return _unknown(group.group(1), known)
        return None if _ALLOWED_BANG.match(inner) else "a broadcast mention"
    ident = _ID.match(inner)
    if inner[:1] in {"@", "#"}:
        return _unknown(ident.group(1), known) if ident else "a malformed mention"
    return None  # a link: only the planted markers tell an alert's link from marshal's


def _unknown(ident: str, known: Collection[str] | None) -> str | None:
    if known is None or ident in known:
        return None
    return f"{ident} is no user, channel or group of this workspace"


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if str(key) not in UNRENDERED_KEYS:
                yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        parsed = _json(value)
        if parsed is not None:
            yield from _strings(parsed, path)  # blocks and views sent as form fields
        else:
            yield path, value


def _json(text: str) -> Any:
    if not text.startswith(("[", "{")):
        return None
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, list | dict) else None
