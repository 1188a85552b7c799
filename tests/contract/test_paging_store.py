"""Paging's use of the store, on SQLite and on DynamoDB (over moto's server): the
escalation state round-trips on the incident record, a page's ledger key is written once
under concurrent writers, and a page's lease keeps a second sender off until it expires
(a crashed sender's page is retried then, never lost)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.domain.audit import AuditAction
from bot.domain.escalation import PageTarget, TargetKind
from bot.domain.escalation_state import EscalationState, PageRecord
from bot.domain.models import Incident
from bot.ports.pager import PageRequest, PageSent
from bot.services.paging.sender import PageInProgress, PageSender
from tests.contract.conftest import T0, Backend, ingest, make_alert

TARGET = PageTarget.parse("slack:U0ALICE")


@dataclass
class CountingPager:
    """A pager that only counts: the vendor is not what this suite checks, the store is."""

    kind: TargetKind = TargetKind.SLACK
    triggered: list[str] = field(default_factory=list)

    def trigger(self, target: PageTarget, page: PageRequest) -> PageSent:
        self.triggered.append(str(target))
        return PageSent(str(target))

    def acknowledge(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None: ...

    def resolve(
        self, target: PageTarget, incident_id: str, by: str, ref: str | None = None
    ) -> None: ...


def _paging_incident(backend: Backend) -> Incident:
    incident = ingest(backend.store, make_alert()).incident
    state = EscalationState(policy="standard", epoch_started_at=T0, next_due=T0)
    return backend.store.update(
        incident.model_copy(update={"escalation": state}), expected_version=incident.version
    )


def _request(incident: Incident) -> PageRequest:
    return PageRequest(incident.id, incident.title, "P2", None, level=1)


def test_the_escalation_state_round_trips(backend: Backend) -> None:
    incident = _paging_incident(backend)
    state = incident.escalation
    assert state is not None
    record = PageRecord(epoch=0, step=0, level=1, target=str(TARGET), at=T0, by="marshal")
    changed = state.model_copy(
        update={"pages": [record], "sent": {"0.0.slack:U0ALICE": T0}, "hold_until": T0}
    )
    stored = backend.store.update(
        incident.model_copy(update={"escalation": changed}), expected_version=incident.version
    )
    fresh = backend.store.get(incident.id, consistent=True)
    assert fresh == stored
    assert fresh is not None and fresh.escalation == changed


def test_a_page_is_sent_and_recorded_once(backend: Backend) -> None:
    incident = _paging_incident(backend)
    pager = CountingPager()
    sender = PageSender(
        backend.store, backend.audit, {TargetKind.SLACK: pager}, owner="a", clock=backend.clock
    )
    after = sender.page(incident, "0.0.slack:U0ALICE", TARGET, _request(incident), step=0, by="m")
    again = sender.page(after, "0.0.slack:U0ALICE", TARGET, _request(after), step=0, by="m")
    assert pager.triggered == ["slack:U0ALICE"]
    assert again.escalation is not None and list(again.escalation.sent) == ["0.0.slack:U0ALICE"]
    audited = [e for e in backend.audit.events(incident.id) if e.action is AuditAction.PAGED]
    assert len(audited) == 1


def test_a_lease_keeps_a_second_sender_off_until_it_expires(backend: Backend) -> None:
    incident = _paging_incident(backend)
    key = "0.0.slack:U0ALICE"
    # the first sender took the lease and died before recording the page
    assert backend.store.claim(f"page:{incident.id}:{key}", "crashed", ttl_seconds=60)
    pager = CountingPager()
    sender = PageSender(
        backend.store, backend.audit, {TargetKind.SLACK: pager}, owner="b", clock=backend.clock
    )
    with pytest.raises(PageInProgress):
        sender.page(incident, key, TARGET, _request(incident), step=0, by="m")
    assert pager.triggered == []
    backend.clock.advance(timedelta(seconds=61).total_seconds())
    sender.page(incident, key, TARGET, _request(incident), step=0, by="m")
    assert pager.triggered == ["slack:U0ALICE"]
