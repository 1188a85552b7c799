"""The status-page draft state machine: one table, and the moves the gate makes follow it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.draft_lifecycle import (
    OPEN_FOR_REVIEW,
    TRANSITIONS,
    DraftStatus,
    allowed_next,
)
from bot.domain.errors import IllegalTransition
from bot.domain.models import StatusPageDraft

D = DraftStatus
AT = datetime(2026, 1, 1, tzinfo=UTC)


def make_draft(status: DraftStatus = D.PENDING) -> StatusPageDraft:
    return StatusPageDraft(
        incident_id="inc-1", title="Checkout", body="On it.", drafted_by="U1", status=status
    )


def test_every_status_has_a_rule_and_only_review_statuses_are_open() -> None:
    assert set(TRANSITIONS) == set(DraftStatus)
    assert {s for s in DraftStatus if not s.is_final} == {D.PENDING, D.APPROVED, D.PUBLISHING}
    assert frozenset({D.PENDING, D.APPROVED}) == OPEN_FOR_REVIEW


def test_publish_path_goes_through_approval_and_a_claim() -> None:
    draft = make_draft()
    approved = draft.moved_to(D.APPROVED, at=AT, approved_by="U2")
    claimed = approved.moved_to(D.PUBLISHING, at=AT)
    renewed = claimed.moved_to(D.PUBLISHING, at=AT)  # the lease renewal
    published = renewed.moved_to(D.PUBLISHED, at=AT, public_incident_id="p1")
    assert (published.status, published.approved_by, published.public_incident_id) == (
        D.PUBLISHED,
        "U2",
        "p1",
    )
    assert published.updated_at == AT


@pytest.mark.parametrize(
    ("current", "requested"),
    [
        (D.PENDING, D.PUBLISHING),  # a claim needs an approval first
        (D.PENDING, D.PUBLISHED),
        (D.APPROVED, D.PUBLISHED),  # a publish needs the claim
        (D.PUBLISHING, D.REJECTED),  # a running publish is not for review
        (D.PUBLISHING, D.PENDING),
    ],
)
def test_skipping_a_step_is_refused_naming_what_is_allowed(
    current: DraftStatus, requested: DraftStatus
) -> None:
    draft = make_draft(current)
    with pytest.raises(IllegalTransition) as caught:
        draft.moved_to(requested, at=AT)
    assert f"status-page draft {draft.id} cannot move from {current} to {requested}" in str(
        caught.value
    )
    assert caught.value.allowed == [s.value for s in allowed_next(current)]


@pytest.mark.parametrize("final", [D.PUBLISHED, D.REJECTED, D.SUPERSEDED])
def test_final_statuses_go_nowhere(final: DraftStatus) -> None:
    assert allowed_next(final) == []
    with pytest.raises(IllegalTransition, match="none \\(final state\\)"):
        make_draft(final).moved_to(D.PENDING, at=AT)


def test_a_failed_or_stalled_publish_returns_to_approved_for_a_retry() -> None:
    claimed = make_draft(D.PUBLISHING)
    assert claimed.moved_to(D.APPROVED, at=AT, failure_note="503").failure_note == "503"
