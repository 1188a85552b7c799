"""What `marshal audit verify` checks (AuditVerifier), against tampering behind the adapters'
backs, on both backends: every kind of edit is reported naming its incident, and the other
incidents are still checked."""

from __future__ import annotations

import hashlib
import json

import pytest

from bot.domain.audit import AuditAction
from bot.domain.audit_keys import AuditKeyring
from bot.services.audit_verifier import AuditVerifier, ChainReport
from tests.contract.conftest import TEST_KEYS, Backend, ingest, make_alert

ACTIONS = (
    AuditAction.INCIDENT_CREATED,
    AuditAction.ACKNOWLEDGED,
    AuditAction.STATUS_CHANGED,
    AuditAction.RESOLVED,
)


@pytest.fixture
def chains(backend: Backend) -> tuple[str, str]:
    """Two incidents of four events each, and two commands on the workspace chain."""
    ids = []
    for group in ("grp-a", "grp-b"):
        incident = ingest(backend.store, make_alert(group)).incident
        for action in ACTIONS:
            backend.clock.advance(1)
            backend.audit.append(incident.id, actor="U1", action=action, details={"g": group})
        ids.append(incident.id)
    for _ in range(2):
        backend.audit.append("workspace", actor="U1", action=AuditAction.COMMAND_RUN)
    return ids[0], ids[1]


def _verify(backend: Backend, keys: AuditKeyring = TEST_KEYS) -> dict[str, ChainReport]:
    reports = AuditVerifier(backend.audit, backend.store, keys).verify_all()
    return {r.chain_id: r for r in reports}


def _only_problem(reports: dict[str, ChainReport], victim: str) -> str:
    """The problems reported, one a line, each naming `victim`; every other chain still
    checked and clean."""
    assert {c for c, r in reports.items() if r.problems} == {victim}
    problems = reports[victim].problems
    assert problems and all(p.startswith(f"incident {victim}: ") for p in problems)
    assert len(reports) == 3  # both incidents and the workspace chain were all checked
    return "\n".join(problems)


def test_a_clean_store_verifies(backend: Backend, chains: tuple[str, str]) -> None:
    reports = _verify(backend)

    assert all(not r.problems for r in reports.values())
    assert [reports[i].events for i in chains] == [4, 4]
    assert reports["workspace"].events == 2 and not reports["workspace"].is_incident
    assert all(reports[i].is_incident for i in chains)


def test_an_edit_rehashed_without_the_key_is_reported(
    backend: Backend, chains: tuple[str, str]
) -> None:
    victim = chains[0]
    stored = json.loads(backend.tamper.data(victim, 2))
    stored["actor"] = "mallory"
    body = {k: v for k, v in stored.items() if k != "hash"}
    stored["hash"] = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    backend.tamper.set_data(victim, 2, json.dumps(stored))

    problem = _only_problem(_verify(backend), victim)
    assert "(#2)" in problem and "edited" in problem


def test_a_truncated_tail_is_reported(backend: Backend, chains: tuple[str, str]) -> None:
    victim = chains[1]
    backend.tamper.remove(victim, 4)
    backend.tamper.remove(victim, 3)

    problem = _only_problem(_verify(backend), victim)
    assert "ends at #2 but its anchored head is #4 (truncated)" in problem


def test_a_truncated_tail_with_the_head_moved_back_is_reported(
    backend: Backend, chains: tuple[str, str]
) -> None:
    victim = chains[0]
    second = json.loads(backend.tamper.data(victim, 2))
    backend.tamper.remove(victim, 4)
    backend.tamper.remove(victim, 3)
    backend.tamper.move_head(victim, 2, second["hash"])

    problem = _only_problem(_verify(backend), victim)
    assert "anchored head does not verify" in problem


def test_a_deleted_chain_is_reported(backend: Backend, chains: tuple[str, str]) -> None:
    victim = chains[0]
    for seq in range(1, 5):
        backend.tamper.remove(victim, seq)

    problem = _only_problem(_verify(backend), victim)
    assert "no events stored, but the chain's anchored head is #4 (deleted)" in problem


def test_a_deleted_chain_and_anchor_are_reported(backend: Backend, chains: tuple[str, str]) -> None:
    victim = chains[1]
    for seq in range(1, 5):
        backend.tamper.remove(victim, seq)
    backend.tamper.clear_head(victim)

    problem = _only_problem(_verify(backend), victim)
    assert "no audit events and no anchored head" in problem


def test_reordered_events_are_reported(backend: Backend, chains: tuple[str, str]) -> None:
    victim = chains[0]
    backend.tamper.swap(victim, 2, 3)

    problem = _only_problem(_verify(backend), victim)
    assert "(#2)" in problem and ("out of order" in problem or "missing" in problem)


def test_an_added_field_is_reported(backend: Backend, chains: tuple[str, str]) -> None:
    victim = chains[1]
    stored = json.loads(backend.tamper.data(victim, 3))
    backend.tamper.set_data(victim, 3, json.dumps({**stored, "approved_by": "mallory"}))

    problem = _only_problem(_verify(backend), victim)
    assert "stored event #3 is not a valid audit event" in problem and "approved_by" in problem


def test_another_incidents_events_in_a_chain_are_reported(
    backend: Backend, chains: tuple[str, str]
) -> None:
    victim, donor = chains
    for seq in range(1, 5):  # a validly sealed chain, copied over the victim's
        backend.tamper.set_data(victim, seq, backend.tamper.data(donor, seq))

    problem = _only_problem(_verify(backend), victim)
    assert f"belongs to incident {donor}" in problem


def test_a_corrupt_row_is_reported_and_the_rest_verified(
    backend: Backend, chains: tuple[str, str]
) -> None:
    victim = chains[0]
    backend.tamper.set_data(victim, 2, '{"event_id": "ev-1", "incident_id": ')

    problem = _only_problem(_verify(backend), victim)
    assert "stored event #2 is not a valid audit event" in problem


def test_events_need_the_key_that_sealed_them(backend: Backend, chains: tuple[str, str]) -> None:
    other_key = AuditKeyring.from_text("a-different-audit-key-0123456789")
    rotated = AuditKeyring(current=other_key.current, previous=(TEST_KEYS.current,))

    assert all(r.problems for r in _verify(backend, other_key).values())
    assert not any(r.problems for r in _verify(backend, rotated).values())
