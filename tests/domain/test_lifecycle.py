from datetime import UTC, datetime

import pytest

from bot.domain.errors import IllegalTransition
from bot.domain.lifecycle import TRANSITIONS, IncidentStatus, allowed_next
from bot.domain.models import Alert, AlertSource, AlertStatus, Incident
from bot.domain.severity import Severity

S = IncidentStatus


def make_incident(status: IncidentStatus = S.TRIGGERED) -> Incident:
    alert = Alert(
        source=AlertSource.GENERIC,
        external_id="a1",
        group_key="generic:checkout",
        status=AlertStatus.FIRING,
        title="Checkout is down",
        severity=Severity.P1,
    )
    return Incident.from_alert(alert).model_copy(update={"status": status})


def test_happy_path_sets_each_timestamp() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    inc = make_incident()
    inc = inc.transition(S.ASSEMBLING, at=at).transition(S.INVESTIGATING, at=at)
    assert inc.assembled_at == at
    inc = inc.transition(S.MITIGATED, at=at)
    assert inc.mitigated_at == at
    inc = inc.transition(S.RESOLVED, at=at).transition(S.CLOSED, at=at)
    assert (inc.resolved_at, inc.closed_at, inc.status) == (at, at, S.CLOSED)


def test_illegal_transition_names_what_is_allowed() -> None:
    inc = make_incident(S.RESOLVED)
    with pytest.raises(IllegalTransition) as caught:
        inc.transition(S.MITIGATED)
    assert "cannot move from resolved to mitigated" in str(caught.value)
    assert caught.value.allowed == ["investigating", "closed"]


def test_closed_is_final() -> None:
    assert allowed_next(S.CLOSED) == []
    with pytest.raises(IllegalTransition, match="none \\(final state\\)"):
        make_incident(S.CLOSED).transition(S.INVESTIGATING)


def test_reopen_clears_resolved_time() -> None:
    inc = make_incident(S.INVESTIGATING).transition(S.RESOLVED)
    assert inc.resolved_at is not None
    assert inc.transition(S.INVESTIGATING).resolved_at is None


@pytest.mark.parametrize("state", list(S))
def test_every_state_has_a_rule_and_no_self_loops(state: IncidentStatus) -> None:
    assert state in TRANSITIONS
    assert state not in TRANSITIONS[state]


def test_open_states() -> None:
    assert S.MITIGATED.is_open and S.ASSEMBLY_FAILED.is_open
    assert not S.RESOLVED.is_open and not S.CLOSED.is_open
