"""Paging's follow-up gaps: a hold that ends by itself leaves the room topic; a reopen pages
level 1 at once (not at the next reconcile), once; `/marshal escalate` typed while a level
is being paged pages the level after it, once."""

from __future__ import annotations

import time

from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident
from bot.services.incident_updates import IncidentUpdates
from bot.services.paging.hooks import ResolvedAlsoSyncsPagers
from bot.services.resolution.starter import ResolutionStarter
from tests.eventually import eventually
from tests.paging.conftest import PagingRig

PRIMARY, LEAD, THIRD = "R0UTINGKEYPRIMARY", "R0UTINGKEYLEAD", "R0UTINGKEYTHIRD"


def _slow_policy(rig: PagingRig) -> None:
    """Three levels an hour apart: only hands (or a reopen) move escalation in a test."""
    rig.policy = {
        "policies": {
            "standard": {
                "levels": [
                    {"targets": [f"pagerduty:{PRIMARY}"], "after": "1h"},
                    {"targets": [f"pagerduty:{LEAD}"], "after": "1h"},
                    {"targets": [f"pagerduty:{THIRD}"], "after": "1h"},
                ],
                "repeat": 0,
            }
        },
        "default": "standard",
    }


def _triggers(rig: PagingRig, key: str) -> int:
    alert = rig.pagerduty.alerts.get((key, rig.incident.id))
    return alert.triggers if alert else 0


class _NoNudges:
    def stop_nudges(self, incident_id: str) -> None:
        del incident_id

    def resume_nudges(self, incident_id: str) -> None:
        del incident_id


def test_a_hold_that_ends_by_itself_clears_the_topic(paging: PagingRig) -> None:
    _slow_policy(paging)
    processor = paging.processor(reconcile_seconds=0.3).start()
    processor.escalation.start(paging.incident)
    eventually(lambda: _triggers(paging, PRIMARY) == 1)
    processor.control.hold(paging.reload(), "U0BOB", "1s", "vendor is on it")
    topics = paging.sandbox.calls("conversations.setTopic")
    assert "Escalation held until" in topics[-1].args["topic"]

    def ended() -> bool:
        state = paging.reload().escalation
        return state is not None and state.hold_until is None

    eventually(ended, timeout=10)

    def resumed() -> str | None:
        # the topic is set just after the cleared hold is stored: wait for it, not the store
        last = str(paging.sandbox.calls("conversations.setTopic")[-1].args["topic"])
        return last if last.endswith("| Escalation resumed") else None

    assert "held until" not in eventually(resumed, timeout=10)
    ends = [
        e
        for e in paging.audit.events(paging.incident.id)
        if e.action is AuditAction.ESCALATION_RESUMED and e.actor == "marshal"
    ]
    assert len(ends) == 1
    assert any("hold ended" in t for t in paging.room_texts())


def test_a_reopen_pages_level_one_at_once_and_once(paging: PagingRig) -> None:
    _slow_policy(paging)
    # the reconcile is an hour away: only the reopen hook can page in time
    one = paging.processor(reconcile_seconds=3600).start()
    two = paging.processor(reconcile_seconds=3600).start()
    one.escalation.start(paging.incident)
    eventually(lambda: _triggers(paging, PRIMARY) == 1)
    one.control.acknowledged(paging.reload(), "U0BOB")
    updates = IncidentUpdates(paging.store)
    updates.apply(paging.incident.id, lambda c: c.transition(IncidentStatus.RESOLVED))
    one.escalation.resolved(paging.incident.id)
    hooks = [ResolvedAlsoSyncsPagers(_NoNudges(), p.escalation) for p in (one, two)]
    starter = ResolutionStarter(
        paging.store,
        paging.audit,
        one.queue,
        archive_on_resolve=False,
        nudges=hooks[0],
    )
    reopened: Incident = starter.reopen(paging.reload(), "U0BOB")
    assert reopened.status is IncidentStatus.INVESTIGATING
    hooks[1].resume_nudges(paging.incident.id)  # another processor hearing of it too
    two.timer.rebuild()
    eventually(lambda: _triggers(paging, PRIMARY) == 2, timeout=5)
    time.sleep(0.5)
    assert _triggers(paging, PRIMARY) == 2
    state = paging.reload().escalation
    assert state is not None and state.epoch == 1 and state.acked_at is None


def test_escalate_while_a_level_is_being_paged_pages_the_next_once(paging: PagingRig) -> None:
    _slow_policy(paging)
    processor = paging.processor(reconcile_seconds=3600)  # not consuming yet
    started = processor.escalation.start(paging.incident)
    assert started is not None and started.escalation is not None
    # level 1 is being paged: its first page is recorded in the ledger, the step not done
    key = f"0.0.pagerduty:{PRIMARY}"

    def first_page_sent(current: Incident) -> Incident:
        assert current.escalation is not None
        sent = {**current.escalation.sent, key: current.updated_at}
        return current.model_copy(
            update={"escalation": current.escalation.model_copy(update={"sent": sent})}
        )

    IncidentUpdates(paging.store).apply(paging.incident.id, first_page_sent)
    processor.control.escalate(paging.reload(), "U0BOB", "nobody answers")
    escalated = paging.actions(AuditAction.ESCALATED)
    assert [(d["level"], d["reason"]) for d in escalated] == [(2, "nobody answers")]
    processor.start()
    paging.processor(reconcile_seconds=3600).start()  # a second consumer of the same queue
    eventually(lambda: _triggers(paging, LEAD) == 1, timeout=10)
    time.sleep(0.5)
    assert _triggers(paging, LEAD) == 1 and _triggers(paging, THIRD) == 0
    state = paging.reload().escalation
    assert state is not None and state.next_step == 2 and state.forced_step is None
