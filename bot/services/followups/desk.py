"""FollowUpDesk: adds and closes follow-ups, each change audited in its incident's chain and
noted on the incident's timeline.

Who may close one: its owner, whoever added it, or whoever may resolve the incident (the
IC, an approver; anyone when neither is set). A refusal is audited on the incident's chain.
Closing is a conditional write on the follow-up's version, so two presses of Done close
it once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.audit import AuditAction
from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.followups import (
    MAX_FOLLOWUP_CHARS,
    FollowUp,
    FollowUpError,
    FollowUpKind,
    FollowUpPriority,
    FollowUpStatus,
    default_due,
)
from bot.domain.models import Incident, TimelineEntry, TimelineKind, utcnow
from bot.ports.audit import AuditLog
from bot.ports.followups import FollowUpStore
from bot.ports.store import Timeline
from bot.services.permissions import IncidentPermissions

MAX_REASON_CHARS = 500
_CLOSE_ACTIONS = {
    FollowUpStatus.DONE: AuditAction.FOLLOWUP_DONE,
    FollowUpStatus.NOT_DOING: AuditAction.FOLLOWUP_NOT_DOING,
}


@dataclass(frozen=True)
class NewFollowUp:
    """What `followup add` asked for; None fields take their defaults."""

    text: str
    owner: str | None = None
    due_at: datetime | None = None
    priority: FollowUpPriority = FollowUpPriority.P3
    kind: FollowUpKind = FollowUpKind.CORRECTIVE
    followup_id: str | None = None  # a fixed id makes adding it twice a ConcurrentUpdate


@dataclass(frozen=True)
class Closing:
    """What a Done / Not doing press came to: the follow-up as stored, and whether this
    press closed it (False when it was already closed, or the presser may not)."""

    followup: FollowUp
    closed: bool
    message: str


class FollowUpDesk:
    def __init__(
        self,
        followups: FollowUpStore,
        timeline: Timeline,
        audit: AuditLog,
        permissions: IncidentPermissions,
        *,
        incident_of: Callable[[str], Incident | None],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._followups = followups
        self._timeline = timeline
        self._audit = audit
        self._permissions = permissions
        self._incident_of = incident_of
        self._clock = clock

    @property
    def store(self) -> FollowUpStore:
        return self._followups

    def now(self) -> datetime:
        return self._clock()

    def incident(self, incident_id: str) -> Incident | None:
        return self._incident_of(incident_id)

    def add(self, incident: Incident, request: NewFollowUp, *, by: str) -> FollowUp:
        text = request.text.strip()
        if not text:
            raise FollowUpError("a follow-up needs a description")
        if len(text) > MAX_FOLLOWUP_CHARS:
            raise FollowUpError(f"follow-ups are limited to {MAX_FOLLOWUP_CHARS} characters")
        now = self._clock()
        fixed = {"id": request.followup_id} if request.followup_id else {}
        followup = self._followups.add(
            FollowUp(
                **fixed,
                incident_id=incident.id,
                text=text,
                owner=request.owner,
                due_at=request.due_at or default_due(request.priority, now),
                priority=request.priority,
                kind=request.kind,
                service=incident.service,
                incident_severity=incident.severity.value,
                incident_title=incident.title,
                drill=incident.drill,
                created_by=by,
                created_at=now,
            )
        )
        self._audit.append(
            incident.id,
            actor=by,
            action=AuditAction.FOLLOWUP_ADDED,
            details={
                "followup_id": followup.id,
                "owner": followup.owner,
                "due_at": followup.due_at.isoformat(),
                "priority": followup.priority.value,
                "kind": followup.kind.value,
            },
            event_id=f"{followup.id}.added",
        )
        self._timeline.add_timeline(
            TimelineEntry(
                incident_id=incident.id,
                author=by,
                kind=TimelineKind.NOTE,
                text=f"Follow-up added ({followup.id}): {text}",
            )
        )
        return followup

    def close(
        self,
        followup_id: str,
        status: FollowUpStatus,
        *,
        by: str,
        reason: str | None = None,
        from_tracker: bool = False,
    ) -> Closing:
        """Done or Not doing (which needs a reason); raises NotFound for an unknown id and
        FollowUpError for a request that cannot be carried out. `from_tracker`: the issue
        was closed in the tracker, which needs no person's permission here."""
        if status is FollowUpStatus.NOT_DOING and not (reason and reason.strip()):
            raise FollowUpError("say why this follow-up is not being done")
        if reason and len(reason) > MAX_REASON_CHARS:
            raise FollowUpError(f"the reason is limited to {MAX_REASON_CHARS} characters")
        followup = self._followups.get(followup_id)
        if followup is None:
            raise NotFound(f"no follow-up {followup_id}")
        if not followup.is_open:
            return Closing(followup, False, f"This follow-up is already {_said(followup)}.")
        refusal = None if from_tracker else self._refusal(followup, by)
        if refusal is not None:
            return Closing(followup, False, refusal)
        try:
            stored = self._followups.update(
                followup.closed(status, by=by, at=self._clock(), reason=reason and reason.strip()),
                expected_version=followup.version,
            )
        except ConcurrentUpdate as exc:
            current = exc.current if isinstance(exc.current, FollowUp) else followup
            return Closing(current, False, f"This follow-up is already {_said(current)}.")
        self._audit.append(
            stored.incident_id,
            actor=by,
            action=_CLOSE_ACTIONS[status],
            details={"followup_id": stored.id, "reason": stored.closed_reason},
            event_id=f"{stored.id}.closed",
        )
        self._timeline.add_timeline(
            TimelineEntry(
                incident_id=stored.incident_id,
                author=by,
                kind=TimelineKind.NOTE,
                text=f"Follow-up {stored.id} {_said(stored)}: {stored.text}",
            )
        )
        return Closing(stored, True, f"Follow-up marked {_said(stored)}.")

    def _refusal(self, followup: FollowUp, user_id: str) -> str | None:
        if user_id in {followup.owner, followup.created_by}:
            return None
        incident = self._incident_of(followup.incident_id)
        if incident is not None:
            decision = self._permissions.may_resolve(user_id, incident)
            if decision.allowed:
                return None
            reason = decision.reason
        else:
            reason = "its incident is no longer in the store"
        reason = f"only its owner, whoever added it, the IC or an approver may close it ({reason})"
        self._audit.append(
            followup.incident_id,
            actor=user_id,
            action=AuditAction.PERMISSION_DENIED,
            details={"user": user_id, "followup_id": followup.id, "reason": reason},
        )
        return f"Sorry, you may not close this follow-up: {reason}."


def _said(followup: FollowUp) -> str:
    return (
        "not being done" if followup.status is FollowUpStatus.NOT_DOING else followup.status.value
    )
