"""StatusPageApprovalGate over real stores, a real StatuspageClient and the fake Statuspage."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.audit import AuditAction, verify_publishes
from bot.domain.errors import NotFound
from bot.domain.models import DraftStatus, PublicStatus, StatusPageDraft
from bot.domain.severity import Severity
from bot.gates.errors import (
    ApprovalRefused,
    AutoPublishNotPermitted,
    DraftClosed,
    DraftInvalid,
    DraftSuperseded,
    PublishFailed,
)
from bot.gates.status_page import MAX_BODY_CHARS, PUBLISH_LEASE, StatusPageApprovalGate
from bot.ports.status_page import PublishMarker
from bot.settings import Settings
from bot.wiring.status_page import build_status_page_gate
from bot.wiring.stores import build_audit_log, build_store
from tests.contract.conftest import SqliteTamper
from tests.fakes.statuspage import Fault
from tests.gates.conftest import GateWorld, InterleavingDraftStore, listed_approvers, make_client

DRAFTER, APPROVER, OTHER, OUTSIDER = "UDRAFTER", "UAPPROVER", "UOTHER", "UOUTSIDER"


def actions(world: GateWorld) -> list[AuditAction]:
    return [e.action for e in world.audit.events(world.incident.id)]


def interleaving(world: GateWorld) -> InterleavingDraftStore:
    assert isinstance(world.drafts, InterleavingDraftStore)
    return world.drafts


def publish_first(world: GateWorld) -> StatusPageDraft:
    draft = world.gate.draft(world.incident, DRAFTER)
    return world.gate.approve(draft.id, APPROVER, draft.body_sha256)


# drafting


def test_template_draft_uses_only_title_service_and_status(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)
    assert draft.title == "Checkout errors"
    assert draft.body == (
        "We are seeing a major outage affecting checkout. "
        "We are investigating and will post an update soon."
    )
    for personal in ("jane", "alice", "U0ALICE", "4111", "@"):
        assert personal not in draft.body and personal not in draft.title
    assert draft.status is DraftStatus.PENDING and draft.drafted_by == DRAFTER
    assert actions(world)[-1] is AuditAction.STATUS_DRAFT_CREATED
    assert world.statuspage.requests() == []


def test_template_without_a_service_and_for_a_resolution(world: GateWorld) -> None:
    incident = world.incident_with(service=None, title="Slow")
    draft = world.gate.draft(incident, DRAFTER, public_status=PublicStatus.RESOLVED)
    assert draft.body.startswith("The issue affecting some of our services has been resolved.")


def test_given_text_is_used_and_checked(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER, "  Payments are failing.  ")
    assert draft.body == "Payments are failing."
    with pytest.raises(DraftInvalid, match="needs some text"):
        world.gate.draft(world.incident, DRAFTER, "   ")
    with pytest.raises(DraftInvalid, match="limited to"):
        world.gate.draft(world.incident, DRAFTER, "x" * (MAX_BODY_CHARS + 1))


def test_a_new_draft_supersedes_the_one_under_review(world: GateWorld) -> None:
    old = world.gate.draft(world.incident, DRAFTER, "first try")
    new = world.gate.draft(world.incident, DRAFTER, "second try")
    assert world.gate.get(old.id).status is DraftStatus.SUPERSEDED
    created = world.audit.events(world.incident.id)[-1]
    assert created.details["supersedes"] == [old.id]
    assert world.drafts.latest_pending(world.incident.id) == new
    with pytest.raises(DraftSuperseded):
        world.gate.approve(old.id, APPROVER, old.body_sha256)
    assert world.statuspage.requests() == []


def test_supersede_leaves_a_draft_that_moved_on_meanwhile(world: GateWorld) -> None:
    old = world.gate.draft(world.incident, DRAFTER, "first try")
    interleaving(world).interleave(
        "update",
        1,
        lambda: world.other_writer.update(
            old.model_copy(update={"status": DraftStatus.REJECTED}),
            expected_version=0,
            expected_status=DraftStatus.PENDING,
        ),
    )
    world.gate.draft(world.incident, DRAFTER, "second try")
    assert world.gate.get(old.id).status is DraftStatus.REJECTED
    assert world.audit.events(world.incident.id)[-1].details["supersedes"] == []


# approve and publish


def test_approve_publishes_once_with_an_audited_approval(world: GateWorld) -> None:
    published = publish_first(world)
    assert published.status is DraftStatus.PUBLISHED
    [public] = world.statuspage.incidents()
    assert published.public_incident_id == public["id"]
    assert published.public_url == public["shortlink"]
    assert (
        public["metadata"]
        == PublishMarker(incident_id=world.incident.id, draft_id=published.id).as_metadata()
    )
    assert public["incident_updates"][0]["body"] == published.body
    events = world.audit.events(world.incident.id)
    approved = next(e for e in events if e.action is AuditAction.STATUS_APPROVED)
    assert approved.details == {
        "draft_id": published.id,
        "body_sha256": published.body_sha256,
        "approver": APPROVER,
    }
    assert events[-1].action is AuditAction.STATUS_PUBLISHED
    assert events[-1].details["public_incident_id"] == public["id"]
    assert verify_publishes(world.incident.id, events) is None


def test_updates_go_to_the_same_public_incident_and_the_resolution_resolves_it(
    world: GateWorld,
) -> None:
    first = publish_first(world)
    update = world.gate.draft(
        world.incident, DRAFTER, "Cause found.", public_status=PublicStatus.IDENTIFIED
    )
    second = world.gate.approve(update.id, APPROVER, update.body_sha256)
    resolution = world.gate.resolve_public_incident(world.incident, DRAFTER)
    assert resolution is not None and resolution.public_status is PublicStatus.RESOLVED
    third = world.gate.approve(resolution.id, APPROVER, resolution.body_sha256)

    [public] = world.statuspage.incidents()
    assert first.public_incident_id == second.public_incident_id == third.public_incident_id
    assert public["status"] == "resolved"
    assert [u["body"] for u in public["incident_updates"]] == [
        third.body,
        "Cause found.",
        first.body,
    ]
    assert world.gate.published(world.incident.id) == third
    assert len(world.statuspage.requests("POST")) == 1


def test_nothing_to_resolve_without_a_publish(world: GateWorld) -> None:
    assert world.gate.resolve_public_incident(world.incident, DRAFTER) is None


def test_fifty_concurrent_approvals_publish_once(any_world: GateWorld) -> None:
    world = any_world
    draft = world.gate.draft(world.incident, DRAFTER)
    start = threading.Barrier(50)
    outcomes: list[str] = []
    lock = threading.Lock()

    def press(user: str) -> None:
        start.wait()
        try:
            world.gate.approve(draft.id, user, draft.body_sha256)
            result = "published"
        except DraftClosed as exc:
            result = f"closed:{exc.current.status.value}"
        with lock:
            outcomes.append(result)

    users = [APPROVER if i % 2 else OTHER for i in range(50)]
    threads = [threading.Thread(target=press, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("published") == 1
    assert len(outcomes) == 50
    assert len(world.statuspage.incidents()) == 1
    assert len(world.statuspage.requests("POST")) == 1
    events = world.audit.events(world.incident.id)
    assert [e.action for e in events].count(AuditAction.STATUS_APPROVED) == 1
    assert [e.action for e in events].count(AuditAction.STATUS_PUBLISHED) == 1
    assert verify_publishes(world.incident.id, events) is None


def test_the_loser_of_the_approval_write_stops(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)
    interleaving(world).interleave(
        "update",
        1,
        lambda: world.other_writer.update(
            draft.model_copy(
                update={
                    "status": DraftStatus.APPROVED,
                    "approved_by": OTHER,
                    "approved_hash": draft.body_sha256,
                }
            ),
            expected_version=0,
            expected_status=DraftStatus.PENDING,
        ),
    )
    with pytest.raises(DraftClosed, match="approved"):
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    assert world.statuspage.requests() == []


def test_an_edit_racing_the_approval_write_supersedes_it(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)
    interleaving(world).interleave(
        "update", 1, lambda: world.gate.edit(draft.id, OTHER, "Rewritten by someone else.")
    )
    with pytest.raises(DraftSuperseded):
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    assert world.statuspage.requests() == []


def test_the_loser_of_the_publish_claim_stops(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)

    def someone_else_claims() -> None:
        approved = world.other_writer.get(draft.id)
        assert approved is not None
        world.other_writer.update(
            approved.model_copy(update={"status": DraftStatus.PUBLISHING}),
            expected_version=approved.version,
            expected_status=DraftStatus.APPROVED,
        )

    interleaving(world).interleave("update", 2, someone_else_claims)
    with pytest.raises(DraftClosed, match="publishing"):
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    assert world.statuspage.requests() == []


def test_an_edit_between_approval_and_read_back_stops_the_publish(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)
    interleaving(world).interleave(
        "get", 2, lambda: world.gate.edit(draft.id, OTHER, "Changed after approval.")
    )
    with pytest.raises(AutoPublishNotPermitted, match="pending, not approved"):
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    assert world.statuspage.requests() == []
    assert actions(world)[-1] is AuditAction.STATUS_PUBLISH_FAILED


def test_an_approval_for_other_text_does_not_publish(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)
    world.other_writer.update(
        draft.model_copy(
            update={
                "status": DraftStatus.APPROVED,
                "approved_by": APPROVER,
                "approved_hash": "0" * 64,
            }
        ),
        expected_version=0,
        expected_status=DraftStatus.PENDING,
    )
    with pytest.raises(AutoPublishNotPermitted, match="different text"):
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    assert world.statuspage.requests() == []


def test_a_tampered_approval_event_blocks_the_publish(world: GateWorld) -> None:
    world.statuspage.fail_next(*[Fault(status=503) for _ in range(2)])
    draft = world.gate.draft(world.incident, DRAFTER)
    with pytest.raises(PublishFailed):
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    approval = next(
        e for e in world.audit.events(world.incident.id) if e.action is AuditAction.STATUS_APPROVED
    )
    assert world.database is not None
    SqliteTamper(world.database).edit(
        world.incident.id,
        approval.seq,
        details={**approval.details, "body_sha256": "f" * 64},
    )
    with pytest.raises(AutoPublishNotPermitted, match="no STATUS_APPROVED audit event"):
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    assert world.statuspage.incidents() == []


def test_approving_a_closed_or_unknown_draft(world: GateWorld) -> None:
    published = publish_first(world)
    with pytest.raises(DraftClosed, match="published"):
        world.gate.approve(published.id, APPROVER, published.body_sha256)
    with pytest.raises(NotFound):
        world.gate.approve("draft-missing", APPROVER, "0" * 64)
    assert len(world.statuspage.requests("POST")) == 1


def test_a_draft_whose_incident_is_gone_is_not_found(world: GateWorld) -> None:
    orphan = StatusPageDraft(incident_id="inc-gone", title="t", body="b", drafted_by=DRAFTER)
    world.drafts.add(orphan)
    with pytest.raises(NotFound, match="inc-gone"):
        world.gate.approve(orphan.id, APPROVER, orphan.body_sha256)


# failures and retries


def test_a_failed_publish_is_retryable_and_the_retry_publishes_once(world: GateWorld) -> None:
    world.statuspage.fail_next(*[Fault(status=500) for _ in range(2)])
    draft = world.gate.draft(world.incident, DRAFTER)
    with pytest.raises(PublishFailed) as caught:
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    failed = caught.value.draft
    assert failed.status is DraftStatus.APPROVED
    assert failed.failure_note and "HTTP 500" in failed.failure_note
    assert actions(world)[-1] is AuditAction.STATUS_PUBLISH_FAILED
    assert world.statuspage.incidents() == []

    published = world.gate.approve(draft.id, OTHER, draft.body_sha256)
    assert published.status is DraftStatus.PUBLISHED and published.failure_note is None
    assert len(world.statuspage.incidents()) == 1
    events = world.audit.events(world.incident.id)
    assert [e.action for e in events].count(AuditAction.STATUS_APPROVED) == 1
    assert verify_publishes(world.incident.id, events) is None


def test_a_publish_that_reached_the_status_page_is_adopted_on_retry(world: GateWorld) -> None:
    gate = StatusPageApprovalGate(
        drafts=world.drafts,
        audit=world.audit,
        incidents=world.store,
        status_page=make_client(world.statuspage, max_attempts=1),
        may_approve=listed_approvers,
    )
    world.statuspage.fail_next(Fault(status=502, after_write=True, method="POST"))
    draft = gate.draft(world.incident, DRAFTER)
    with pytest.raises(PublishFailed):
        gate.approve(draft.id, APPROVER, draft.body_sha256)
    assert len(world.statuspage.incidents()) == 1  # it got through; we saw a 502

    published = gate.approve(draft.id, APPROVER, draft.body_sha256)
    [public] = world.statuspage.incidents()
    assert published.public_incident_id == public["id"]
    assert len(world.statuspage.requests("POST")) == 1


def test_a_first_publish_lost_by_our_store_becomes_an_update(world: GateWorld) -> None:
    # the status page already holds this incident's public incident from an earlier draft
    world.client.create_incident(
        name="Checkout errors",
        body="earlier",
        status=PublicStatus.INVESTIGATING,
        marker=PublishMarker(incident_id=world.incident.id, draft_id="draft-earlier"),
    )
    published = publish_first(world)
    [public] = world.statuspage.incidents()
    assert published.public_incident_id == public["id"]
    assert [u["body"] for u in public["incident_updates"]] == [published.body, "earlier"]


# two-person rule and permissions


def test_the_drafter_cannot_approve_their_own_p1_draft(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)
    with pytest.raises(ApprovalRefused, match="two-person rule applies at P1"):
        world.gate.approve(draft.id, DRAFTER, draft.body_sha256)
    denied = world.audit.events(world.incident.id)[-1]
    assert denied.action is AuditAction.PERMISSION_DENIED
    assert denied.details["user"] == DRAFTER and "two-person" in denied.details["reason"]
    assert world.gate.get(draft.id).status is DraftStatus.PENDING
    assert world.statuspage.requests() == []


def test_an_editor_is_an_author_too(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)
    edited = world.gate.edit(draft.id, OTHER, "Better words.")
    with pytest.raises(ApprovalRefused):
        world.gate.approve(edited.id, OTHER, edited.body_sha256)
    assert world.gate.approve(edited.id, APPROVER, edited.body_sha256).status is (
        DraftStatus.PUBLISHED
    )


def test_an_approver_who_rewrote_a_draft_cannot_approve_it_after_a_one_character_edit(
    any_world: GateWorld,
) -> None:
    """Every writer of any version is an author: an approver's rewrite, touched up by the
    drafter afterwards, is still the approver's text (both stores keep the list)."""
    world = any_world
    draft = world.gate.draft(world.incident, DRAFTER)
    rewritten = world.gate.edit(draft.id, APPROVER, "All systems are fine, nothing to see.")
    touched = world.gate.edit(rewritten.id, DRAFTER, "All systems are fine, nothing to see!")
    assert world.gate.get(draft.id).editors == [APPROVER, DRAFTER]
    with pytest.raises(ApprovalRefused, match="nobody who wrote any version"):
        world.gate.approve(touched.id, APPROVER, touched.body_sha256)
    assert world.gate.get(draft.id).status is DraftStatus.PENDING
    assert world.statuspage.requests() == []
    assert world.gate.approve(touched.id, OTHER, touched.body_sha256).status is (
        DraftStatus.PUBLISHED
    )


def test_the_two_person_refusal_says_what_to_set_when_no_approvers_are_configured(
    world: GateWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """Without approvers the IC is the only one who may approve: an IC who drafted would
    wait forever, so start-up warns and the refusal names the settings that unblock it."""
    with caplog.at_level("WARNING", logger="bot.gates.status_page"):
        gate = StatusPageApprovalGate(
            drafts=world.drafts,
            audit=world.audit,
            incidents=world.store,
            status_page=world.client,
            may_approve=listed_approvers,
            approvers_configured=False,
        )
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and "two-person rule is on for P1" in warned[0]
    assert "MARSHAL_APPROVERS" in warned[0]
    draft = gate.draft(world.incident, DRAFTER)
    with pytest.raises(ApprovalRefused) as refused:
        gate.approve(draft.id, DRAFTER, draft.body_sha256)
    assert "No approvers are configured" in refused.value.reason
    assert "set MARSHAL_APPROVERS" in refused.value.reason
    assert "MARSHAL_TWO_PERSON_RULE" in refused.value.reason


def test_no_start_up_warning_with_approvers_or_without_the_rule(
    world: GateWorld, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="bot.gates.status_page"):
        for configured, rule in ((True, (Severity.P1,)), (False, ())):
            StatusPageApprovalGate(
                drafts=world.drafts,
                audit=world.audit,
                incidents=world.store,
                status_page=world.client,
                may_approve=listed_approvers,
                two_person_rule=rule,
                approvers_configured=configured,
            )
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []


def test_the_approved_hash_covers_the_title_and_status_that_are_published(
    world: GateWorld,
) -> None:
    """The review shows the title; an approval of a body under one title must not publish
    it under another."""
    draft = world.gate.draft(world.incident, DRAFTER, "Same words.")
    retitled = draft.model_copy(update={"title": "Everything is on fire"})
    restatused = draft.model_copy(update={"public_status": PublicStatus.RESOLVED})
    assert len({draft.body_sha256, retitled.body_sha256, restatused.body_sha256}) == 3
    stored = world.other_writer.update(
        retitled, expected_version=draft.version, expected_status=DraftStatus.PENDING
    )
    with pytest.raises(DraftSuperseded):
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    published = world.gate.approve(stored.id, APPROVER, stored.body_sha256)
    assert world.statuspage.incidents()[0]["name"] == "Everything is on fire"
    assert published.approved_hash == stored.body_sha256


def test_below_the_rule_the_drafter_may_approve(world: GateWorld) -> None:
    incident = world.incident_with(title="Minor", severity=Severity.P3)
    draft = world.gate.draft(incident, DRAFTER)
    assert world.gate.approve(draft.id, DRAFTER, draft.body_sha256).status is (
        DraftStatus.PUBLISHED
    )


def test_only_allowed_approvers_approve(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)
    with pytest.raises(ApprovalRefused, match="only listed approvers"):
        world.gate.approve(draft.id, OUTSIDER, draft.body_sha256)
    assert actions(world)[-1] is AuditAction.PERMISSION_DENIED
    assert world.statuspage.requests() == []


# edit and reject


def test_edit_makes_a_new_version_and_voids_old_buttons(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)
    edited = world.gate.edit(draft.id, OTHER, "New text.", expected_hash=draft.body_sha256)
    assert (edited.id, edited.version, edited.edited_by) == (draft.id, 1, OTHER)
    assert actions(world)[-1] is AuditAction.STATUS_DRAFT_EDITED
    with pytest.raises(DraftSuperseded, match="has changed"):
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    with pytest.raises(DraftSuperseded):
        world.gate.edit(draft.id, OTHER, "stale", expected_hash=draft.body_sha256)


def test_edit_after_a_failed_publish_voids_the_approval(world: GateWorld) -> None:
    world.statuspage.fail_next(*[Fault(status=500) for _ in range(2)])
    draft = world.gate.draft(world.incident, DRAFTER)
    with pytest.raises(PublishFailed):
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    edited = world.gate.edit(draft.id, OTHER, "Fixed wording.")
    assert edited.status is DraftStatus.PENDING
    assert edited.approved_by is None and edited.approved_hash is None


def test_edit_losing_a_race_is_superseded(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)
    interleaving(world).interleave(
        "update",
        1,
        lambda: world.other_writer.update(
            draft.model_copy(update={"status": DraftStatus.REJECTED}),
            expected_version=0,
            expected_status=DraftStatus.PENDING,
        ),
    )
    with pytest.raises(DraftSuperseded):
        world.gate.edit(draft.id, OTHER, "too late")


def test_edit_of_a_published_draft_is_closed(world: GateWorld) -> None:
    published = publish_first(world)
    with pytest.raises(DraftClosed, match="cannot edit"):
        world.gate.edit(published.id, OTHER, "after the fact")


def test_reject_by_author_or_approver_but_not_outsider(world: GateWorld) -> None:
    mine = world.gate.draft(world.incident, DRAFTER)
    assert world.gate.reject(mine.id, DRAFTER, "typo").status is DraftStatus.REJECTED
    theirs = world.gate.draft(world.incident, DRAFTER)
    with pytest.raises(ApprovalRefused):
        world.gate.reject(theirs.id, OUTSIDER, "no")
    rejected = world.gate.reject(theirs.id, APPROVER, "not yet")
    assert rejected.status is DraftStatus.REJECTED
    event = world.audit.events(world.incident.id)[-1]
    assert event.action is AuditAction.STATUS_DRAFT_REJECTED and event.details["reason"] == (
        "not yet"
    )
    with pytest.raises(DraftClosed):
        world.gate.approve(rejected.id, APPROVER, rejected.body_sha256)


def test_reject_losing_a_race_is_closed(world: GateWorld) -> None:
    draft = world.gate.draft(world.incident, DRAFTER)

    def approved_meanwhile() -> None:
        world.other_writer.update(
            draft.model_copy(update={"status": DraftStatus.APPROVED}),
            expected_version=0,
            expected_status=DraftStatus.PENDING,
        )

    interleaving(world).interleave("update", 1, approved_meanwhile)
    with pytest.raises(DraftClosed, match="approved"):
        world.gate.reject(draft.id, DRAFTER, "wait")


def test_a_retry_that_finds_the_draft_already_publishing_stops(world: GateWorld) -> None:
    world.statuspage.fail_next(*[Fault(status=500) for _ in range(2)])
    draft = world.gate.draft(world.incident, DRAFTER)
    with pytest.raises(PublishFailed) as caught:
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    failed = caught.value.draft

    interleaving(world).interleave(
        "get",
        2,
        lambda: world.other_writer.update(
            failed.model_copy(update={"status": DraftStatus.PUBLISHING}),
            expected_version=failed.version,
            expected_status=DraftStatus.APPROVED,
        ),
    )
    with pytest.raises(DraftClosed, match="publishing"):
        world.gate.approve(draft.id, OTHER, draft.body_sha256)
    assert world.statuspage.incidents() == []


class SettableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def stalled_publish(world: GateWorld) -> tuple[StatusPageDraft, datetime]:
    """A draft whose publisher claimed it, reached the status page, then died."""
    world.statuspage.fail_next(*[Fault(status=500) for _ in range(2)])
    draft = world.gate.draft(world.incident, DRAFTER)
    with pytest.raises(PublishFailed) as caught:
        world.gate.approve(draft.id, APPROVER, draft.body_sha256)
    claimed_at = datetime.now(UTC)
    failed = caught.value.draft
    stuck = world.other_writer.update(
        failed.model_copy(update={"status": DraftStatus.PUBLISHING, "updated_at": claimed_at}),
        expected_version=failed.version,
        expected_status=DraftStatus.APPROVED,
    )
    world.client.create_incident(
        name=draft.title,
        body=draft.body,
        status=draft.public_status,
        marker=PublishMarker(incident_id=world.incident.id, draft_id=draft.id),
    )
    return stuck, claimed_at


def gate_at(world: GateWorld, clock: SettableClock) -> StatusPageApprovalGate:
    return StatusPageApprovalGate(
        drafts=world.drafts,
        audit=world.audit,
        incidents=world.store,
        status_page=world.client,
        may_approve=listed_approvers,
        clock=clock,
    )


def test_a_publish_stalled_past_its_lease_is_retried_and_adopted(world: GateWorld) -> None:
    stuck, claimed_at = stalled_publish(world)
    clock = SettableClock(claimed_at + PUBLISH_LEASE / 2)
    gate = gate_at(world, clock)
    with pytest.raises(DraftClosed, match="publishing"):
        gate.approve(stuck.id, OTHER, stuck.body_sha256)

    clock.now = claimed_at + PUBLISH_LEASE + timedelta(seconds=1)
    published = gate.approve(stuck.id, OTHER, stuck.body_sha256)
    assert published.status is DraftStatus.PUBLISHED
    assert len(world.statuspage.incidents()) == 1
    assert len(world.statuspage.requests("POST")) == 1  # only the stalled attempt's
    notes = [
        e.details.get("error")
        for e in world.audit.events(world.incident.id)
        if e.action is AuditAction.STATUS_PUBLISH_FAILED
    ]
    assert "an earlier publish attempt did not finish; retrying" in notes


def test_releasing_a_stalled_publish_can_lose_a_race(world: GateWorld) -> None:
    stuck, claimed_at = stalled_publish(world)
    gate = gate_at(world, SettableClock(claimed_at + PUBLISH_LEASE * 2))
    interleaving(world).interleave(
        "update",
        1,
        lambda: world.other_writer.update(
            stuck.model_copy(update={"status": DraftStatus.PUBLISHED}),
            expected_version=stuck.version,
            expected_status=DraftStatus.PUBLISHING,
        ),
    )
    with pytest.raises(DraftClosed, match="published"):
        gate.approve(stuck.id, OTHER, stuck.body_sha256)


def test_start_up_wiring_warns_when_the_rule_has_no_approvers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def warnings_with(approvers: list[str]) -> list[str]:
        caplog.clear()
        settings = Settings(marshal_db_path=tmp_path / "wired.db", marshal_approvers=approvers)
        store, audit = build_store(settings), build_audit_log(settings)
        with caplog.at_level("WARNING", logger="bot.gates.status_page"):
            build_status_page_gate(settings, store, audit, listed_approvers)
        gate = "bot.gates.status_page"  # the store wiring may warn about its own settings
        return [r.getMessage() for r in caplog.records if r.name == gate]

    assert ["MARSHAL_APPROVERS" in w for w in warnings_with([])] == [True]
    assert warnings_with(["U0CAROL"]) == []
