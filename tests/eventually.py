"""Waiting in a test for what another thread or process does: the one bounded poll.

Tests watch background work (a consumer's workers, the scheduler, a Slack listener, a
`marshal up` process) and can only poll for its effect. The timeout is a safety net for a busy
machine, not a timing claim, so it is generous; when it fires, the failure says what was awaited
and the last value seen, which is usually the whole diagnosis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def eventually(
    check: Callable[[], T | None],
    *,
    timeout: float = 30.0,
    interval: float = 0.05,
    message: str | Callable[[], str] = "",
) -> T:
    """Call `check` until it returns something truthy and return that value.

    After `timeout` seconds the test fails with `message` (a string, or a callable asked only
    then, for state worth showing) or, without one, where `check` was written, and the last
    value `check` returned.
    """
    deadline = time.monotonic() + timeout
    while True:
        seen = check()
        if seen:
            return seen
        if time.monotonic() >= deadline:
            what = message() if callable(message) else message or _where(check)
            raise AssertionError(
                f"timed out after {timeout:g}s waiting for {what}; last seen: {seen!r}"
            )
        time.sleep(interval)


def _where(check: Callable[..., object]) -> str:
    """`<lambda> at tests/x/test_y.py:42`: a lambda has no better name than its line."""
    code = getattr(check, "__code__", None)
    name = getattr(check, "__qualname__", repr(check))
    if code is None:
        return str(name)
    path = Path(code.co_filename)
    # outside the working directory the absolute path is still a fine pointer
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    return f"{name} at {shown}:{code.co_firstlineno}"
