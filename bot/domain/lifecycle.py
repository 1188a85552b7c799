"""The incident state machine: the one place that says which status may follow which."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.errors import IllegalTransition


class IncidentStatus(StrEnum):
    TRIGGERED = "triggered"
    ASSEMBLING = "assembling"
    ASSEMBLY_FAILED = "assembly_failed"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        return self not in _DONE

    @property
    def is_active_response(self) -> bool:
        """Someone is working it: the states `/marshal state` moves between."""
        return self in _WORKING


_WORKING = frozenset(
    {IncidentStatus.INVESTIGATING, IncidentStatus.IDENTIFIED, IncidentStatus.MONITORING}
)
_DONE = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED})

S = IncidentStatus
# Resolving is allowed from every open state: an alert can clear before anyone acknowledged it.
TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    S.TRIGGERED: frozenset({S.ASSEMBLING, *_WORKING, S.MITIGATED, S.RESOLVED}),
    S.ASSEMBLING: frozenset({*_WORKING, S.ASSEMBLY_FAILED, S.MITIGATED, S.RESOLVED}),
    S.ASSEMBLY_FAILED: frozenset({S.ASSEMBLING, *_WORKING, S.MITIGATED, S.RESOLVED}),
    S.INVESTIGATING: frozenset({S.IDENTIFIED, S.MONITORING, S.MITIGATED, S.RESOLVED}),
    S.IDENTIFIED: frozenset({S.INVESTIGATING, S.MONITORING, S.MITIGATED, S.RESOLVED}),
    S.MONITORING: frozenset({S.INVESTIGATING, S.IDENTIFIED, S.MITIGATED, S.RESOLVED}),
    S.MITIGATED: frozenset({*_WORKING, S.RESOLVED}),
    # reopen after a premature resolve goes back to investigating
    S.RESOLVED: frozenset({S.CLOSED, S.INVESTIGATING}),
    S.CLOSED: frozenset(),
}


def allowed_next(current: IncidentStatus) -> list[IncidentStatus]:
    return sorted(TRANSITIONS[current], key=list(IncidentStatus).index)


def check_transition(incident_id: str, current: IncidentStatus, requested: IncidentStatus) -> None:
    if requested not in TRANSITIONS[current]:
        raise IllegalTransition(
            incident_id, current.value, requested.value, [s.value for s in allowed_next(current)]
        )
