"""FollowUpTrackerSync: each open follow-up becomes an issue in the tracker (Jira, Linear or
the markdown folder: bot/wiring/followups.py picks), with a
link back, and an issue closed there marks its follow-up done here (a periodic poll).

Pushing claims `followup:<id>:tracker` for a few minutes first, so two processors do not
create two issues; a create whose answer was lost is found by its label on the next try
(`IssueTracker.find`), not repeated. A tracker that is down costs one log line per run; the
next run carries on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.audit import AuditAction
from bot.domain.errors import ConcurrentUpdate, MarshalError
from bot.domain.followups import FollowUp, FollowUpStatus
from bot.ports.audit import AuditLog
from bot.ports.followups import FollowUpStore
from bot.ports.issue_tracker import IssueTracker
from bot.ports.store import Claims
from bot.services.followups.desk import FollowUpDesk

log = logging.getLogger(__name__)

PUSH_CLAIM_SECONDS = 300
MAX_PUSH = 50  # issues created per run, so one run stays short


@dataclass(frozen=True)
class SyncResult:
    pushed: int = 0
    closed: int = 0


class FollowUpTrackerSync:
    def __init__(
        self,
        followups: FollowUpStore,
        tracker: IssueTracker,
        claims: Claims,
        audit: AuditLog,
        desk: FollowUpDesk,
        *,
        owner: str,
    ) -> None:
        self._followups = followups
        self._tracker = tracker
        self._claims = claims
        self._audit = audit
        self._desk = desk
        self._owner = owner

    def sync(self) -> SyncResult:
        open_ = [f for f in self._followups.with_status(FollowUpStatus.OPEN) if not f.drill]
        pushed = 0
        for followup in [f for f in open_ if f.tracker_key is None][:MAX_PUSH]:
            try:
                pushed += self._push(followup)
            except MarshalError as exc:
                log.warning("follow-up not pushed to the tracker: %s", exc)
        try:
            closed = self._pull([f for f in open_ if f.tracker_key])
        except MarshalError as exc:
            log.warning("tracker closures not read: %s", exc)
            closed = 0
        return SyncResult(pushed, closed)

    def _push(self, followup: FollowUp) -> int:
        key = f"followup:{followup.id}:tracker"
        if not self._claims.claim(key, self._owner, ttl_seconds=PUSH_CLAIM_SECONDS):
            return 0
        issue = self._tracker.find(followup) or self._tracker.create(followup)
        current = followup
        for _ in range(5):
            try:
                self._followups.update(
                    current.model_copy(update={"tracker_key": issue.key, "tracker_url": issue.url}),
                    expected_version=current.version,
                )
                break
            except ConcurrentUpdate as exc:  # closed or changed meanwhile: keep theirs
                if not isinstance(exc.current, FollowUp):
                    raise
                current = exc.current
        self._audit.append(
            followup.incident_id,
            actor="marshal",
            action=AuditAction.FOLLOWUP_TRACKED,
            details={
                "followup_id": followup.id,
                "tracker": self._tracker.name,
                "key": issue.key,
                "url": issue.url,
            },
            event_id=f"{followup.id}.tracked",
        )
        return 1

    def _pull(self, tracked: list[FollowUp]) -> int:
        by_key = {str(f.tracker_key): f for f in tracked}
        closed = 0
        for key in sorted(self._tracker.closed(by_key)):
            closing = self._desk.close(
                by_key[key].id,
                FollowUpStatus.DONE,
                by=self._tracker.name,
                reason=f"closed in {self._tracker.name} ({key})",
                from_tracker=True,
            )
            closed += int(closing.closed)
        return closed
