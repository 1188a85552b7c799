"""Durations as people write them: `45s`, `15m`, `2h`, `7d` (DESIGN 3b), the one parser every
setting, file and command uses, each with a ceiling.

The ceiling is not decoration: a duration ends up added to a datetime, and `silence 99999999h`
(11,000 years) overflowed it and crashed the command. Every use passes its own `maximum`
(`at most 7d` for a silence) under MAX_DURATION, which any datetime arithmetic survives.
"""

from __future__ import annotations

import re

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DAY = UNIT_SECONDS["d"]
MAX_DURATION = 365 * DAY  # no setting or command of marshal means more than a year
_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$", re.IGNORECASE)
_MAX_DIGITS = 12  # anything longer is over every ceiling; int() of a huge run is itself slow


class DurationError(ValueError):
    """A duration that does not parse or is out of bounds; the message says what to write."""


def describe_limit(seconds: int) -> str:
    """`seconds` in its largest whole unit, the way it is typed: 604800 -> '7d', 90 -> '90s'."""
    for unit in ("d", "h", "m"):
        if seconds % UNIT_SECONDS[unit] == 0:
            return f"{seconds // UNIT_SECONDS[unit]}{unit}"
    return f"{seconds}s"


def parse_duration(
    text: str, *, maximum: int = MAX_DURATION, minimum: int = 1, bare_unit: str = "m"
) -> int:
    """Seconds in `text`: '15m' -> 900, '5s' -> 5, '2h' -> 7200, '1d' -> 86400; a bare number
    counts in `bare_unit` (minutes unless said otherwise: '30' -> 1800).

    Raises DurationError unless minimum <= seconds <= maximum (and maximum <= MAX_DURATION).
    """
    match = _DURATION.match(text)
    if not match:
        raise DurationError(f"{text.strip()[:40]!r} is not a duration like 30s, 15m, 2h or 1d")
    number, unit = match.group(1), (match.group(2) or bare_unit).lower()
    ceiling = min(maximum, MAX_DURATION)
    if len(number.lstrip("0")) > _MAX_DIGITS:
        raise DurationError(f"{text.strip()[:40]!r} is too long: at most {describe_limit(ceiling)}")
    seconds = int(number) * UNIT_SECONDS[unit]
    if seconds < minimum:
        floor = "longer than zero" if minimum == 1 else f"at least {describe_limit(minimum)}"
        raise DurationError(f"{text.strip()!r} is too short: it must be {floor}")
    if seconds > ceiling:
        raise DurationError(f"{text.strip()!r} is too long: at most {describe_limit(ceiling)}")
    return seconds


def parse_days(text: str, *, maximum_days: int = 365) -> int:
    """A window in whole days: '7d' -> 7, '30' -> 30 (a bare number counts days), '48h' -> 2."""
    seconds = parse_duration(text, maximum=maximum_days * DAY, minimum=DAY, bare_unit="d")
    if seconds % DAY:
        raise DurationError(f"{text.strip()!r} is not a whole number of days like 7d or 30d")
    return seconds // DAY
