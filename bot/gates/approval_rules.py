"""ApprovalRules: who may approve or reject a status-page draft, and how a refusal reads.

The permission check (`may_approve`, IncidentPermissions in production) decides who is an
approver at all; on top of it the two-person rule keeps anyone who wrote any version of a
draft (its drafter or an editor) from approving it at the listed severities. Every refusal
is audited (PERMISSION_DENIED) before ApprovalRefused is raised, so the trail shows who tried.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Protocol

from bot.domain.audit import AuditAction
from bot.domain.models import Incident, StatusPageDraft
from bot.domain.severity import Severity
from bot.gates.errors import ApprovalRefused
from bot.gates.records import incident_of, record
from bot.ports.audit import AuditLog
from bot.ports.store import Incidents


class ApprovalVerdict(Protocol):
    """What a permission check answers; IncidentPermissions' Decision is one."""

    @property
    def allowed(self) -> bool: ...

    @property
    def reason(self) -> str: ...


MayApprove = Callable[[str, Incident], ApprovalVerdict]


class ApprovalRules:
    def __init__(
        self,
        *,
        audit: AuditLog,
        incidents: Incidents,
        may_approve: MayApprove,
        two_person_rule: Collection[Severity],
        approvers_configured: bool,
    ) -> None:
        self._audit = audit
        self._incidents = incidents
        self._may_approve = may_approve
        self.two_person_rule = frozenset(two_person_rule)
        self._approvers_configured = approvers_configured

    def authorize_approval(self, draft: StatusPageDraft, approver: str) -> None:
        incident = incident_of(self._incidents, draft)
        verdict = self._may_approve(approver, incident)
        if not verdict.allowed:
            self._refuse(draft, approver, "approve", verdict.reason)
        if incident.severity in self.two_person_rule and approver in draft.authors:
            self._refuse(draft, approver, "approve", self._two_person_refusal(incident))

    def authorize_rejection(self, draft: StatusPageDraft, user: str) -> None:
        """Its authors may withdraw a draft; anyone else needs to be allowed to approve it."""
        if user in draft.authors:
            return
        verdict = self._may_approve(user, incident_of(self._incidents, draft))
        if not verdict.allowed:
            self._refuse(draft, user, "reject", verdict.reason)

    def _two_person_refusal(self, incident: Incident) -> str:
        reason = (
            f"the two-person rule applies at {incident.severity.value}: nobody who wrote any "
            "version of a draft (its drafter or an editor) may approve it; ask another approver"
        )
        if not self._approvers_configured:
            # Without approvers only the IC may approve, so an IC who wrote the draft would
            # wait forever: say what unblocks it.
            reason += (
                ". No approvers are configured, so nobody else can: set MARSHAL_APPROVERS "
                "(Slack user or user-group ids), or leave this severity out of "
                "MARSHAL_TWO_PERSON_RULE"
            )
        return reason

    def _refuse(self, draft: StatusPageDraft, user: str, verb: str, reason: str) -> None:
        record(
            self._audit,
            draft,
            user,
            AuditAction.PERMISSION_DENIED,
            user=user,
            attempted=f"{verb} status-page draft",
            reason=reason,
        )
        raise ApprovalRefused(user, draft.id, reason)
