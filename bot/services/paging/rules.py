"""PagingRules: which incidents page (MARSHAL_PAGE_SEVERITIES) and through which policy
(MARSHAL_ESCALATION_FILE routes: service, then team, then the default)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.durations import DAY
from bot.domain.escalation import EMPTY, EscalationPolicies, EscalationPolicy
from bot.domain.models import Incident
from bot.domain.severity import Severity

MAX_HOLD_SECONDS = DAY  # a hold is a pause, not a way to switch paging off


@dataclass(frozen=True)
class PagingRules:
    policies: EscalationPolicies = EMPTY
    severities: frozenset[Severity] = field(
        default_factory=lambda: frozenset({Severity.P1, Severity.P2})
    )
    max_hold_seconds: int = MAX_HOLD_SECONDS

    def policy_for(self, incident: Incident) -> EscalationPolicy | None:
        return self.policies.for_incident(incident.service, incident.team)

    def pages_automatically(self, incident: Incident) -> bool:
        return incident.severity in self.severities
