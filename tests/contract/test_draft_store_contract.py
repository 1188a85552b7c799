"""DraftStore contract: one suite over the SQLite and the DynamoDB (moto server) adapters."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.dynamodb.draft_store import DynamoDraftStore
from bot.adapters.dynamodb.tables import create_tables
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.draft_store import SqliteDraftStore
from bot.domain.errors import ConcurrentUpdate, IllegalTransition, NotFound
from bot.domain.models import DraftStatus, StatusPageDraft
from bot.ports.drafts import DraftStore
from tests.contract.conftest import BACKENDS, T0, dynamodb_client


@pytest.fixture(params=BACKENDS)
def drafts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DraftStore]:
    if request.param == "sqlite":
        database = SqliteDatabase(tmp_path / "marshal.db")
        yield SqliteDraftStore(database)
        database.close()
    else:
        request.getfixturevalue("aws")
        client = dynamodb_client()
        create_tables(client, "test-")
        yield DynamoDraftStore(client, "test-")


def make_draft(
    incident_id: str = "inc-1", *, minutes: int = 0, body: str = "We are on it."
) -> StatusPageDraft:
    at = T0 + timedelta(minutes=minutes)
    return StatusPageDraft(
        incident_id=incident_id,
        title="Checkout errors",
        body=body,
        drafted_by="U1",
        created_at=at,
        updated_at=at,
    )


def test_add_then_get_round_trips(drafts: DraftStore) -> None:
    draft = make_draft()
    assert drafts.add(draft) == draft
    assert drafts.get(draft.id) == draft
    assert drafts.get("draft-unknown") is None


def test_add_refuses_an_existing_id(drafts: DraftStore) -> None:
    draft = drafts.add(make_draft())
    with pytest.raises(ConcurrentUpdate) as caught:
        drafts.add(draft.model_copy(update={"body": "other"}))
    assert caught.value.current == draft


def test_update_bumps_the_version_when_version_and_status_match(drafts: DraftStore) -> None:
    draft = drafts.add(make_draft())
    approved = drafts.update(
        draft.model_copy(update={"status": DraftStatus.APPROVED, "approved_by": "U2"}),
        expected_version=0,
        expected_status=DraftStatus.PENDING,
    )
    assert approved.version == 1
    assert drafts.get(draft.id) == approved


@pytest.mark.parametrize(
    ("version", "status"),
    [(0, DraftStatus.APPROVED), (1, DraftStatus.PENDING)],
    ids=["wrong-status", "stale-version"],
)
def test_update_refuses_a_mismatch_and_carries_the_stored_draft(
    drafts: DraftStore, version: int, status: DraftStatus
) -> None:
    draft = drafts.add(make_draft())
    with pytest.raises(ConcurrentUpdate) as caught:
        drafts.update(
            draft.model_copy(update={"body": "changed"}),
            expected_version=version,
            expected_status=status,
        )
    assert caught.value.current == draft
    assert drafts.get(draft.id) == draft


@pytest.mark.parametrize(
    ("reached", "skipped_to"),
    [((), DraftStatus.PUBLISHED), ((DraftStatus.APPROVED,), DraftStatus.PUBLISHED)],
    ids=["pending-to-published", "approved-to-published"],
)
def test_update_refuses_a_move_the_draft_state_machine_forbids(
    drafts: DraftStore, reached: tuple[DraftStatus, ...], skipped_to: DraftStatus
) -> None:
    draft = drafts.add(make_draft())
    for status in reached:
        draft = drafts.update(
            draft.model_copy(update={"status": status}),
            expected_version=draft.version,
            expected_status=draft.status,
        )
    with pytest.raises(IllegalTransition, match=f"to {skipped_to}"):
        drafts.update(
            draft.model_copy(update={"status": skipped_to}),
            expected_version=draft.version,
            expected_status=draft.status,
        )
    assert drafts.get(draft.id) == draft  # nothing written


def test_update_of_an_unknown_draft_is_not_found(drafts: DraftStore) -> None:
    with pytest.raises(NotFound):
        drafts.update(make_draft(), expected_version=0, expected_status=DraftStatus.PENDING)


def test_list_for_incident_is_oldest_first_and_per_incident(drafts: DraftStore) -> None:
    later = drafts.add(make_draft(minutes=5))
    earlier = drafts.add(make_draft(minutes=1))
    drafts.add(make_draft("inc-2"))
    assert [d.id for d in drafts.list_for_incident("inc-1")] == [earlier.id, later.id]
    assert drafts.list_for_incident("inc-none") == []


def test_latest_pending(drafts: DraftStore) -> None:
    assert drafts.latest_pending("inc-1") is None
    older = drafts.add(make_draft(minutes=1))
    newer = drafts.add(make_draft(minutes=2))
    assert drafts.latest_pending("inc-1") == newer
    drafts.update(
        newer.model_copy(update={"status": DraftStatus.REJECTED}),
        expected_version=0,
        expected_status=DraftStatus.PENDING,
    )
    assert drafts.latest_pending("inc-1") == older


def test_concurrent_conditional_updates_have_exactly_one_winner(drafts: DraftStore) -> None:
    draft = drafts.add(make_draft())
    winners: list[str] = []
    losers: list[ConcurrentUpdate] = []
    start = threading.Barrier(20)

    def approve(user: str) -> None:
        start.wait()
        try:
            drafts.update(
                draft.model_copy(update={"status": DraftStatus.APPROVED, "approved_by": user}),
                expected_version=0,
                expected_status=DraftStatus.PENDING,
            )
            winners.append(user)
        except ConcurrentUpdate as exc:
            losers.append(exc)

    threads = [threading.Thread(target=approve, args=(f"U{i}",)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and len(losers) == 19
    stored = drafts.get(draft.id)
    assert stored is not None and stored.approved_by == winners[0] and stored.version == 1
