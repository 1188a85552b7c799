"""The status-page draft state machine: the one table of which status may follow which.

A draft is reviewed while PENDING or APPROVED, claimed for publishing (PUBLISHING), and ends
PUBLISHED, REJECTED or SUPERSEDED. The approval gate (bot/gates/) moves drafts only through
`StatusPageDraft.moved_to`, and both draft stores refuse a conditional write whose move this
table does not allow, so no path can publish a draft that was never approved.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import IllegalTransition


class DraftStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self]


D = DraftStatus
# The statuses a reviewer acts on: edit, reject, approve, and a newer draft supersedes them.
OPEN_FOR_REVIEW = frozenset({D.PENDING, D.APPROVED})

# A status may "follow itself" where the draft is rewritten in place: an edit of a pending
# draft stays pending (new text, new version), and a running publish renews its claim.
TRANSITIONS: dict[DraftStatus, frozenset[DraftStatus]] = {
    D.PENDING: frozenset({D.PENDING, D.APPROVED, D.REJECTED, D.SUPERSEDED}),
    # an edit voids the approval (back to pending); the claim is approved -> publishing
    D.APPROVED: frozenset({D.PENDING, D.PUBLISHING, D.REJECTED, D.SUPERSEDED}),
    # a failed publish, or a stalled one taken over, goes back to approved for a retry
    D.PUBLISHING: frozenset({D.PUBLISHING, D.PUBLISHED, D.APPROVED}),
    D.PUBLISHED: frozenset(),
    D.REJECTED: frozenset(),
    D.SUPERSEDED: frozenset(),
}


def allowed_next(current: DraftStatus) -> list[DraftStatus]:
    return sorted(TRANSITIONS[current], key=list(DraftStatus).index)


def check_draft_transition(draft_id: str, current: DraftStatus, requested: DraftStatus) -> None:
    if requested not in TRANSITIONS[current]:
        raise IllegalTransition(
            draft_id,
            current.value,
            requested.value,
            [s.value for s in allowed_next(current)],
            subject="status-page draft",
        )
