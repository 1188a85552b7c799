"""The one polling helper: returns the first truthy value, fails saying what and what was seen."""

from __future__ import annotations

import re
import threading
import time

import pytest

from tests.eventually import eventually


def test_returns_the_first_truthy_value_once_background_work_produces_it() -> None:
    found: list[str] = []
    timer = threading.Timer(0.1, found.append, ["room"])
    timer.start()
    try:
        assert eventually(lambda: list(found), timeout=5, interval=0.01) == ["room"]
    finally:
        timer.cancel()


def test_a_check_that_is_already_true_is_called_once() -> None:
    calls: list[int] = []

    def check() -> int:
        calls.append(1)
        return 7

    assert eventually(check, timeout=0) == 7
    assert calls == [1]


def test_the_failure_names_what_was_awaited_and_the_last_value_seen() -> None:
    values = iter(range(1000))
    started = time.monotonic()
    with pytest.raises(AssertionError) as failed:
        eventually(lambda: next(values) > 999, timeout=0.2, interval=0.01, message="ten rooms")
    assert time.monotonic() - started < 5  # the timeout bounds the wait
    assert str(failed.value) == "timed out after 0.2s waiting for ten rooms; last seen: False"


def test_without_a_message_the_failure_points_at_the_check_s_line() -> None:
    with pytest.raises(AssertionError) as failed:
        eventually(lambda: [], timeout=0.05, interval=0.01)
    assert re.search(
        r"waiting for .*<lambda> at .*test_eventually\.py:\d+; last seen: \[\]$", str(failed.value)
    )


def test_a_callable_message_is_asked_only_when_the_wait_fails() -> None:
    asked: list[int] = []

    def pending() -> str:
        asked.append(1)
        return "INC-1 still assembling"

    assert eventually(lambda: "done", timeout=1, message=pending) == "done"
    assert asked == []
    with pytest.raises(AssertionError, match="waiting for INC-1 still assembling; last seen: None"):
        eventually(lambda: None, timeout=0.05, interval=0.01, message=pending)
    assert asked == [1]
