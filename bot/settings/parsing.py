"""Value parsers the settings sections share: comma lists and per-severity durations."""

from __future__ import annotations

from bot.domain.durations import parse_duration
from bot.domain.severity import Severity


def parse_severity_durations(text: str) -> dict[Severity, int]:
    """'P1=15m,P2=30m' -> {P1: 900, P2: 1800}."""
    result: dict[Severity, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if "=" not in part:
            raise ValueError(f"{part!r} should look like P1=15m")
        sev, _, duration = part.partition("=")
        result[Severity.parse(sev)] = parse_duration(duration)
    return result


# What reminder texts may refer to; anything else in braces is refused at start-up.
REMINDER_PLACEHOLDERS = frozenset({"who", "title", "id", "age", "command"})


def csv_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


# What reminder texts may refer to; anything else in braces is refused at start-up.
REMINDER_PLACEHOLDERS = frozenset({"who", "title", "id", "age", "command"})
