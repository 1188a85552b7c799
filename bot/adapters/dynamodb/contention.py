"""Bounded retry with jitter for optimistic writes that lost a race to another writer."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator


def attempts(limit: int) -> Iterator[int]:
    """Yield 0..limit-1, sleeping a short random while before every attempt after the first,
    so writers that collided spread out instead of colliding again in lockstep."""
    for attempt in range(limit):
        if attempt:
            ceiling = min(0.002 * 2 ** min(attempt, 5), 0.05)
            time.sleep(random.uniform(0, ceiling))  # noqa: S311 - jitter, not security
        yield attempt
