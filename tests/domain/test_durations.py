"""The one duration parser (bot/domain/durations.py): units, bare numbers, and the ceilings that
keep a typo from overflowing a datetime, as settings, files and commands all see them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.domain.durations import (
    MAX_DURATION,
    DurationError,
    describe_limit,
    parse_days,
    parse_duration,
)
from bot.services.nudges.silence import MAX_SILENCE, SilenceLength
from bot.settings import Settings, describe_error


def test_units_and_bare_numbers() -> None:
    assert [parse_duration(t) for t in ("2s", "15m", "2h", "7d", "30", " 5 M ")] == [
        2,
        900,
        7200,
        7 * 86400,
        1800,
        300,
    ]
    assert parse_duration("3", bare_unit="s") == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "is not a duration like 30s, 15m, 2h or 1d"),
        ("1.5h", "is not a duration"),
        ("-5m", "is not a duration"),
        ("0m", "too short: it must be longer than zero"),
        ("366d", "too long: at most 365d"),
        ("99999999h", "too long: at most 365d"),
        ("9" * 5000 + "s", "too long: at most 365d"),  # int() of it would itself raise
    ],
)
def test_refusals_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(DurationError, match=message):
        parse_duration(text)


def test_every_accepted_duration_can_be_added_to_a_datetime() -> None:
    far = datetime(9000, 1, 1, tzinfo=UTC)
    assert far + timedelta(seconds=parse_duration(f"{MAX_DURATION}s")) > far


def test_a_use_brings_its_own_ceiling() -> None:
    assert parse_duration("7d", maximum=7 * 86400) == 7 * 86400
    with pytest.raises(DurationError, match="at most 7d"):
        parse_duration("169h", maximum=7 * 86400)
    with pytest.raises(DurationError, match="at least 1d"):
        parse_duration("2h", minimum=86400)
    assert [describe_limit(s) for s in (604800, 7200, 90, 61)] == ["7d", "2h", "90s", "61s"]


def test_silence_is_at_most_seven_days() -> None:
    assert SilenceLength.parse("7d").seconds == MAX_SILENCE == 7 * 86400
    with pytest.raises(ValueError, match="at most 7d"):
        SilenceLength.parse("99999999h")


def test_report_windows_are_whole_days() -> None:
    assert [parse_days(t) for t in ("7d", "30", "48h")] == [7, 30, 2]
    for text, message in (("36h", "whole number of days"), ("400d", "at most 365d")):
        with pytest.raises(DurationError, match=message):
            parse_days(text)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MARSHAL_NUDGE_INTERVAL", "P1=99999999h"),
        ("MARSHAL_REMINDER_POSTMORTEM_DUE", "99999999h"),
    ],
)
def test_a_setting_over_the_ceiling_stops_start_up_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    line = describe_error(caught.value)
    assert name in line and "at most 365d" in line
