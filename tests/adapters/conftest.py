"""Fixtures for adapter tests: the fake Statuspage server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.statuspage import FakeStatuspage, running_statuspage


@pytest.fixture
def statuspage() -> Iterator[FakeStatuspage]:
    with running_statuspage() as fake:
        yield fake
