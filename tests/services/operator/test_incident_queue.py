"""IncidentQueue over a real SQLite store: open first, then resolved; cursors; bad cursors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.lifecycle import IncidentStatus
from bot.services.operator.incident_queue import MAX_LIMIT, IncidentQueue, QueueCursor, Run
from tests.contract.conftest import T0, Backend, ingest, make_alert, sqlite_backend


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    made = sqlite_backend(tmp_path / "marshal.db")
    yield made
    for close in made.closers:
        close()


def open_incidents(backend: Backend, count: int, *, resolve_every: int = 0) -> list[str]:
    ids = []
    for n in range(count):
        alert = make_alert(f"grp-{n}", received_at=T0 + timedelta(minutes=n))
        incident = ingest(backend.store, alert).incident
        if resolve_every and n % resolve_every == 0:
            resolved = incident.transition(IncidentStatus.RESOLVED, at=T0)
            backend.store.update(resolved, expected_version=incident.version)
        ids.append(incident.id)
    return ids


def read_all(queue: IncidentQueue, limit: int) -> tuple[list[str], list[bool], int]:
    ids: list[str] = []
    opened: list[bool] = []
    cursor, pages = None, 0
    while True:
        page = queue.page(cursor=cursor, limit=limit)
        pages += 1
        assert len(page.items) <= limit
        ids += [i.id for i in page.items]
        opened += [i.is_open for i in page.items]
        if page.next_cursor is None:
            return ids, opened, pages
        cursor = page.next_cursor


def test_pages_list_every_incident_once_open_first_newest_first(backend: Backend) -> None:
    ids = open_incidents(backend, 23, resolve_every=3)
    listed, opened, pages = read_all(IncidentQueue(backend.store), limit=5)
    assert sorted(listed) == sorted(ids)
    assert len(set(listed)) == len(listed)
    first_resolved = opened.index(False)
    assert all(opened[:first_resolved]) and not any(opened[first_resolved:])
    resolved = {ids[n] for n in range(0, 23, 3)}
    assert set(listed[first_resolved:]) == resolved
    assert listed[:first_resolved] == [i for i in reversed(ids) if i not in resolved]
    assert pages == 5


def test_limit_is_bounded_and_defaults_to_thirty(backend: Backend) -> None:
    open_incidents(backend, 35)
    queue = IncidentQueue(backend.store)
    assert len(queue.page().items) == 30
    assert len(queue.page(limit=10_000).items) == 35 <= MAX_LIMIT
    assert len(queue.page(limit=0).items) == 1


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", "%%%", QueueCursor(Run.OPEN, "garbled-store-cursor").encode(), "e30"],
)
def test_a_bad_cursor_gives_the_first_page(backend: Backend, cursor: str) -> None:
    open_incidents(backend, 12)
    queue = IncidentQueue(backend.store)
    first = queue.page(limit=4)
    assert queue.page(cursor=cursor, limit=4) == first
