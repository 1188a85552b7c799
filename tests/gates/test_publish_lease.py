"""PublishLease: a running publish keeps its claim however long the status page takes, and
a claim that stops being renewed (a dead process) can be taken over after one lease."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import BackendUnavailable, ConcurrentUpdate
from bot.domain.models import DraftStatus, StatusPageDraft
from bot.gates.errors import DraftClosed, PublishFailed
from bot.gates.lease import PublishLease
from bot.gates.status_page import StatusPageApprovalGate
from bot.ports.drafts import DraftStore
from tests.eventually import eventually
from tests.fakes.statuspage import Fault
from tests.gates.conftest import GateWorld, InterleavingDraftStore, listed_approvers

DRAFTER, APPROVER, OTHER = "UDRAFTER", "UAPPROVER", "UOTHER"
T0 = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
QUICK = timedelta(seconds=0.06)  # renewed every 20 ms of real time


class SettableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def gate(world: GateWorld, clock: SettableClock, lease: timedelta) -> StatusPageApprovalGate:
    return StatusPageApprovalGate(
        drafts=world.drafts,
        audit=world.audit,
        incidents=world.store,
        status_page=world.client,
        may_approve=listed_approvers,
        clock=clock,
        publish_lease=lease,
    )


def claimed(world: GateWorld, clock: SettableClock) -> StatusPageDraft:
    """A draft approved and claimed for publishing at T0 by a process that then died."""
    world.statuspage.fail_next(*[Fault(status=500) for _ in range(2)])
    publisher = gate(world, clock, QUICK)
    draft = publisher.draft(world.incident, DRAFTER)
    with pytest.raises(PublishFailed) as caught:
        publisher.approve(draft.id, APPROVER, draft.body_sha256)
    failed = caught.value.draft
    return world.other_writer.update(
        failed.model_copy(update={"status": DraftStatus.PUBLISHING, "updated_at": T0}),
        expected_version=failed.version,
        expected_status=DraftStatus.APPROVED,
    )


def test_a_publish_slower_than_its_lease_keeps_its_claim(world: GateWorld) -> None:
    clock = SettableClock(T0)
    publisher = gate(world, clock, QUICK)
    world.statuspage.fail_next(Fault(delay=1.0, method="POST"))  # the status page is slow
    draft = publisher.draft(world.incident, DRAFTER)
    outcome: list[StatusPageDraft] = []
    running = threading.Thread(
        target=lambda: outcome.append(publisher.approve(draft.id, APPROVER, draft.body_sha256))
    )
    running.start()
    claim = eventually(
        lambda: (
            d if (d := world.drafts.get(draft.id)) and d.status is DraftStatus.PUBLISHING else None
        ),
        message="the publish claimed its draft",
    )
    # Ten leases later by the clock: the claim is fresh all the same, because it was renewed.
    clock.now = T0 + QUICK * 10
    eventually(
        lambda: (d := world.drafts.get(draft.id)) and d.updated_at == clock.now,
        message="the running publish renewed its claim",
    )
    with pytest.raises(DraftClosed, match="publishing"):
        gate(world, clock, QUICK).approve(draft.id, OTHER, draft.body_sha256)

    running.join(10)
    [published] = outcome
    assert published.status is DraftStatus.PUBLISHED
    assert published.version > claim.version + 1  # its final write followed the renewals
    assert len(world.statuspage.requests("POST")) == 1


def test_a_claim_nobody_renews_is_taken_over_after_one_lease(world: GateWorld) -> None:
    clock = SettableClock(T0)
    stuck = claimed(world, clock)
    clock.now = T0 + QUICK / 2
    with pytest.raises(DraftClosed, match="publishing"):
        gate(world, clock, QUICK).approve(stuck.id, OTHER, stuck.body_sha256)
    clock.now = T0 + QUICK * 2
    published = gate(world, clock, QUICK).approve(stuck.id, OTHER, stuck.body_sha256)
    assert published.status is DraftStatus.PUBLISHED


def test_a_publish_whose_claim_was_taken_over_does_not_record_itself(world: GateWorld) -> None:
    clock = SettableClock(T0)
    slow = gate(world, clock, timedelta(minutes=5))  # no renewal within this test
    draft = slow.draft(world.incident, DRAFTER)
    assert isinstance(world.drafts, InterleavingDraftStore)

    def taken_over() -> None:  # what a press that judged this publish dead did meanwhile
        current = world.other_writer.get(draft.id)
        assert current is not None and current.status is DraftStatus.PUBLISHING
        world.other_writer.update(
            current.model_copy(update={"status": DraftStatus.APPROVED}),
            expected_version=current.version,
            expected_status=DraftStatus.PUBLISHING,
        )

    world.drafts.interleave("update", 3, taken_over)  # approval, claim, then the final write
    with pytest.raises(DraftClosed):
        slow.approve(draft.id, APPROVER, draft.body_sha256)
    after = world.drafts.get(draft.id)
    assert after is not None and after.status is DraftStatus.APPROVED


def test_renewing_stops_when_the_claim_is_lost(world: GateWorld) -> None:
    clock = SettableClock(T0)
    stuck = claimed(world, clock)
    with PublishLease(world.drafts, stuck, lease=QUICK, clock=clock) as lease:
        eventually(lambda: lease.draft.version > stuck.version, message="a renewal")
        for _ in range(1000):  # a renewal (every 20 ms) may land between read and take-over
            current = lease.draft
            try:
                world.other_writer.update(
                    current.model_copy(update={"status": DraftStatus.APPROVED}),
                    expected_version=current.version,
                    expected_status=DraftStatus.PUBLISHING,
                )
                break
            except ConcurrentUpdate:
                continue
        else:
            pytest.fail("the renewals never let another writer take the claim over")
        time.sleep(QUICK.total_seconds())  # the next renewal finds the claim gone
    assert lease.renew() is False
    assert lease.draft.version == current.version  # nothing written over the taker's state


class UnreachableDrafts:
    """A draft store that is down (every write fails as DynamoDB or SQLite would say)."""

    def __init__(self, inner: DraftStore) -> None:
        self.inner = inner
        self.writes = 0

    def update(
        self, draft: StatusPageDraft, *, expected_version: int, expected_status: DraftStatus
    ) -> StatusPageDraft:
        self.writes += 1
        raise BackendUnavailable("drafts table unreachable")


def test_a_store_hiccup_does_not_stop_the_renewals(world: GateWorld) -> None:
    clock = SettableClock(T0)
    stuck = claimed(world, clock)
    down = UnreachableDrafts(world.drafts)
    lease = PublishLease(down, stuck, lease=QUICK, clock=clock)  # type: ignore[arg-type]
    assert lease.renew() is True  # keep trying: a lapse only lets a retry adopt our write
    with lease:
        eventually(lambda: down.writes >= 3, message="renewals kept being tried")
    assert lease.draft == stuck
