"""FollowUpStore contract: one suite over the SQLite and the DynamoDB (moto server) adapters."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.dynamodb.followups import DynamoFollowUpStore
from bot.adapters.dynamodb.tables import create_tables
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.followups import FollowUp, FollowUpStatus
from bot.ports.followups import FollowUpStore
from tests.contract.conftest import BACKENDS, T0, dynamodb_client


@pytest.fixture(params=BACKENDS)
def followups(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FollowUpStore]:
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "marshal.db")
        yield SqliteFollowUpStore(database)
        database.close()
    else:
        request.getfixturevalue("aws")
        client = dynamodb_client()
        create_tables(client, "test-")
        yield DynamoFollowUpStore(client, "test-")


def make(
    text: str = "Add a retry budget",
    *,
    incident: str = "inc-1",
    owner: str | None = "U0ALICE",
    service: str | None = "checkout",
    due_days: float = 7,
    created_days: float = 0,
) -> FollowUp:
    return FollowUp(
        incident_id=incident,
        text=text,
        owner=owner,
        service=service,
        due_at=T0 + timedelta(days=due_days),
        incident_severity="P1",
        created_by="U0IC",
        created_at=T0 + timedelta(days=created_days),
    )


def test_add_get_and_the_incident_list(followups: FollowUpStore) -> None:
    first = followups.add(make("one"))
    second = followups.add(make("two", created_days=1))
    followups.add(make("elsewhere", incident="inc-2"))
    assert followups.get(first.id) == first
    assert followups.get("fu-missing") is None
    assert [f.text for f in followups.for_incident("inc-1")] == ["one", "two"]
    assert followups.get(second.id) == second


def test_adding_an_id_twice_is_refused(followups: FollowUpStore) -> None:
    first = followups.add(make("one"))
    with pytest.raises(ConcurrentUpdate) as raised:
        followups.add(first.model_copy(update={"text": "impostor"}))
    assert raised.value.current == first
    assert followups.get(first.id) == first


def test_queries_by_status_owner_service_and_due(followups: FollowUpStore) -> None:
    soon = followups.add(make("soon", due_days=1))
    later = followups.add(make("later", due_days=9, owner="U0BOB", service="search"))
    closed = followups.add(make("closed", due_days=2))
    followups.update(
        closed.closed(FollowUpStatus.DONE, by="U0ALICE", at=T0 + timedelta(days=3)),
        expected_version=0,
    )
    open_ = FollowUpStatus.OPEN
    assert [f.text for f in followups.with_status(open_)] == ["soon", "later"]
    assert [f.text for f in followups.with_status(FollowUpStatus.DONE)] == ["closed"]
    assert [f.text for f in followups.open_due_before(T0 + timedelta(days=5))] == ["soon"]
    assert followups.open_due_before(T0) == []
    assert [f.id for f in followups.for_owner("U0ALICE", open_)] == [soon.id]
    assert [f.id for f in followups.for_owner("U0BOB", open_)] == [later.id]
    assert [f.text for f in followups.for_owner("U0ALICE", FollowUpStatus.DONE)] == ["closed"]
    assert [f.id for f in followups.for_service("search", open_)] == [later.id]
    assert [f.id for f in followups.for_service("checkout", open_)] == [soon.id]
    assert followups.with_status(open_, limit=1)[0].id == soon.id


def test_closing_moves_it_between_indexes(followups: FollowUpStore) -> None:
    made = followups.add(make("one"))
    done = followups.update(
        made.closed(
            FollowUpStatus.NOT_DOING, by="U0BOB", at=T0 + timedelta(days=40), reason="moot"
        ),
        expected_version=0,
    )
    assert done.version == 1
    stored = followups.get(made.id)
    assert stored is not None
    assert (stored.status, stored.closed_by, stored.closed_reason) == (
        FollowUpStatus.NOT_DOING,
        "U0BOB",
        "moot",
    )
    assert followups.with_status(FollowUpStatus.OPEN) == []
    assert followups.for_owner("U0ALICE", FollowUpStatus.OPEN) == []
    assert [f.status for f in followups.for_incident("inc-1")] == [FollowUpStatus.NOT_DOING]


def test_created_and_closed_windows_span_months(followups: FollowUpStore) -> None:
    early = followups.add(make("early", created_days=0))
    followups.add(make("next month", created_days=35))
    followups.add(make("much later", created_days=80))
    followups.update(
        early.closed(FollowUpStatus.DONE, by="U0ALICE", at=T0 + timedelta(days=33)),
        expected_version=0,
    )
    window = (T0 - timedelta(days=1), T0 + timedelta(days=60))
    assert [f.text for f in followups.created_between(*window)] == ["early", "next month"]
    assert [f.text for f in followups.closed_between(*window)] == ["early"]
    assert followups.closed_between(T0 + timedelta(days=34), T0 + timedelta(days=90)) == []


def test_a_stale_update_loses_and_changes_nothing(followups: FollowUpStore) -> None:
    made = followups.add(make("one"))
    followups.update(made.model_copy(update={"text": "first"}), expected_version=0)
    with pytest.raises(ConcurrentUpdate) as raised:
        followups.update(made.model_copy(update={"text": "second"}), expected_version=0)
    current = raised.value.current
    assert isinstance(current, FollowUp)
    assert current.text == "first"
    with pytest.raises(NotFound):
        followups.update(make("ghost"), expected_version=0)


def test_concurrent_closes_let_exactly_one_win(followups: FollowUpStore) -> None:
    made = followups.add(make("one"))
    wins: list[str] = []
    losses: list[str] = []
    barrier = threading.Barrier(4)

    def close(who: str) -> None:
        barrier.wait()
        try:
            followups.update(made.closed(FollowUpStatus.DONE, by=who, at=T0), expected_version=0)
            wins.append(who)
        except ConcurrentUpdate:
            losses.append(who)

    threads = [threading.Thread(target=close, args=(f"U{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1
    assert len(losses) == 3
    stored = followups.get(made.id)
    assert stored is not None
    assert stored.closed_by == wins[0]
    assert len(followups.with_status(FollowUpStatus.DONE)) == 1
