"""Field extraction shared by the source parsers: JSON decoding, limits, label flattening,
service/team/severity picks, the drill flag, link collection and length clipping.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.domain.models import Link
from bot.domain.severity import Severity
from bot.ingest.errors import PayloadInvalid
from bot.ingest.severity_map import SeverityMap

# Limits. Vendor payloads are clipped to them (a real page must never be refused for a long
# title); marshal's own generic schema refuses input over them with a clear error instead.
MAX_TITLE_CHARS = 250
MAX_DESCRIPTION_CHARS = 8000
MAX_LABELS = 64
MAX_LABEL_KEY_CHARS = 128
MAX_LABEL_VALUE_CHARS = 1024
MAX_LINKS = 20
MAX_URL_CHARS = 2048
MAX_KEY_CHARS = 512  # group keys and dedup keys; longer vendor keys are hashed
MAX_FLATTEN_DEPTH = 4
# No vendor payload nests anywhere near this; far deeper bodies overflow pydantic's and the
# stores' serialisers (about 255 levels), so they are refused before anything walks them.
MAX_JSON_DEPTH = 64

SEVERITY_LABELS = ("severity", "priority")
SERVICE_LABELS = ("service", "job", "app")
TEAM_LABELS = ("team",)
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})


def decode_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or PayloadInvalid naming why not."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise PayloadInvalid("", f"body is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        raise PayloadInvalid("", f"body is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(value, dict):
        raise PayloadInvalid("", f"body must be a JSON object, not {type(value).__name__}")
    # A body cannot nest deeper than it has opening brackets (those inside strings only add
    # to the count), so the walk is only for bodies with more than the limit: a webhook
    # body's usual dozen skips it (issue 17: the walk was a sixth of an Alertmanager parse).
    if body.count(b"{") + body.count(b"[") > MAX_JSON_DEPTH:
        _refuse_deep_nesting(value)
    return value


def _refuse_deep_nesting(body: dict[str, Any]) -> None:
    """PayloadInvalid naming the top-level field whose value nests past MAX_JSON_DEPTH
    (the body itself is level 1). Iterative, so the check itself cannot overflow."""
    pending: list[tuple[Any, int, str]] = [(body, 1, "")]
    while pending:
        value, depth, field = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise PayloadInvalid(field, f"nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            children: Iterable[tuple[object, Any]] = value.items()
        elif isinstance(value, list):
            children = enumerate(value)
        else:
            continue
        for key, child in children:
            if isinstance(child, dict | list):
                pending.append((child, depth + 1, field or str(key)))


def event_time(text: str | None) -> datetime | None:
    """A sender's ISO-8601 event time as an aware UTC datetime; None when absent or unreadable
    (an odd timestamp is no reason to drop a page)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def scalar_text(value: Any) -> str | None:
    """A label value as text: booleans as true/false, None as absent, JSON for containers."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, default=str)


def flatten_labels(*sources: Mapping[str, Any] | None) -> dict[str, str]:
    """Merge label maps (later ones win) into str -> str; nested maps become dotted keys.

    Clipped to MAX_LABELS entries (in key order) and to the key/value length limits.
    """
    merged: dict[str, str] = {}
    for source in sources:
        if source:
            _flatten_into(merged, "", source, depth=0)
    kept = sorted(merged)[:MAX_LABELS]
    return {clip(k, MAX_LABEL_KEY_CHARS): clip(merged[k], MAX_LABEL_VALUE_CHARS) for k in kept}


def _flatten_into(out: dict[str, str], prefix: str, source: Mapping[str, Any], depth: int) -> None:
    for key, value in source.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and depth < MAX_FLATTEN_DEPTH:
            _flatten_into(out, f"{name}.", value, depth + 1)
            continue
        text = scalar_text(value)
        if text is not None and name.strip():
            out[name] = text


def pick(labels: Mapping[str, str], names: Iterable[str]) -> str | None:
    """The first non-empty value among `names` (case-insensitive keys)."""
    lowered = {k.lower(): v for k, v in labels.items()}
    for name in names:
        value = lowered.get(name, "").strip()
        if value:
            return value
    return None


def severity_from_labels(labels: Mapping[str, str], severities: SeverityMap) -> Severity | None:
    lowered = {k.lower(): v for k, v in labels.items()}
    for name in SEVERITY_LABELS:
        found = severities.lookup(lowered.get(name))
        if found is not None:
            return found
    return None


def is_drill(labels: Mapping[str, str]) -> bool:
    value = pick(labels, ("drill",))
    return value is not None and value.lower() in TRUE_WORDS


def people(*values: str | None) -> list[str]:
    """Emails / ids from comma-separated values, in order, without repeats."""
    seen: dict[str, None] = {}
    for value in values:
        for part in (value or "").split(","):
            if part.strip():
                seen.setdefault(part.strip(), None)
    return list(seen)


class LinkList:
    """Collects links in order, dropping empties, non-http(s) URLs and repeats; capped."""

    def __init__(self) -> None:
        self._links: list[Link] = []
        self._urls: set[str] = set()

    def add(self, title: str, url: Any) -> None:
        if not isinstance(url, str):
            return
        url = url.strip()
        if not url.startswith(("http://", "https://")) or len(url) > MAX_URL_CHARS:
            return
        if url in self._urls or len(self._links) >= MAX_LINKS:
            return
        self._urls.add(url)
        self._links.append(Link(title=clip(title, 100) or "link", url=url))

    @property
    def links(self) -> list[Link]:
        return list(self._links)


def bounded_key(prefix: str, key: str) -> str:
    """`prefix:key`, with over-long keys replaced by their SHA-256 so stores can index them."""
    if len(key) > MAX_KEY_CHARS:
        key = "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"{prefix}:{key}"
