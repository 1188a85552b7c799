"""Reminder settings: durations and text templates, checked at start-up."""

import pytest
from pydantic import ValidationError

from bot.settings import Settings, describe_error


def test_reminder_durations_parse_like_the_nudge_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSHAL_REMINDER_IC_UNCLAIMED", "90s")
    monkeypatch.setenv("MARSHAL_REMINDER_POSTMORTEM_DUE", "2d")
    s = Settings(_env_file=None)
    assert (s.marshal_reminder_ic_unclaimed, s.marshal_reminder_postmortem_due) == (90, 172800)
    assert s.marshal_reminder_inactive == 86400


def test_an_unknown_placeholder_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSHAL_REMINDER_INACTIVE_TEXT", "Hey {owner}, update please")
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None)
    line = describe_error(caught.value)
    assert line.startswith("MARSHAL_REMINDER_INACTIVE_TEXT: unknown placeholder {owner}")
