"""DraftPublisher: the publish side of the approval gate, steps 1 to 5 of its two-phase
commit (bot/gates/status_page.py lists them).

It owns recording the approval (the draft write and its STATUS_APPROVED event), reading
both back before anything is sent, claiming the draft (approved -> publishing) under a
PublishLease, the one place that calls the status page's writes (`_send`), adopting what
a crashed attempt already wrote there, the write that ends a publish, and the release of
a publish whose claim went unrenewed past the lease.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.domain.audit import AuditAction
from bot.domain.errors import ConcurrentUpdate
from bot.domain.models import DraftStatus, StatusPageDraft
from bot.gates.errors import AutoPublishNotPermitted, DraftClosed, DraftSuperseded, PublishFailed
from bot.gates.lease import PublishLease
from bot.gates.records import record, require_draft
from bot.ports.audit import AuditLog
from bot.ports.drafts import DraftStore
from bot.ports.status_page import PublicIncident, PublishMarker, StatusPage, StatusPageError


class DraftPublisher:
    def __init__(
        self,
        *,
        drafts: DraftStore,
        audit: AuditLog,
        status_page: StatusPage,
        clock: Callable[[], datetime],
        publish_lease: timedelta,
    ) -> None:
        self._drafts = drafts
        self._audit = audit
        self._status_page = status_page
        self._clock = clock
        self._publish_lease = publish_lease

    def latest_published(self, incident_id: str) -> StatusPageDraft | None:
        """The incident's latest published draft (its public incident id and link)."""
        done = [
            d
            for d in self._drafts.list_for_incident(incident_id)
            if d.status is DraftStatus.PUBLISHED
        ]
        return done[-1] if done else None

    # a crashed attempt

    def stalled(self, draft: StatusPageDraft) -> bool:
        """A publish that claimed the draft and then never finished (its process died)."""
        return (
            draft.status is DraftStatus.PUBLISHING
            and self._clock() - draft.updated_at > self._publish_lease
        )

    def release_stalled(self, draft: StatusPageDraft, actor: str) -> StatusPageDraft:
        note = "an earlier publish attempt did not finish; retrying"
        try:
            released = self._drafts.update(
                draft.moved_to(DraftStatus.APPROVED, at=self._clock(), failure_note=note),
                expected_version=draft.version,
                expected_status=DraftStatus.PUBLISHING,
            )
        except ConcurrentUpdate as exc:
            raise DraftClosed(exc.current or draft, "publish") from exc
        record(self._audit, released, actor, AuditAction.STATUS_PUBLISH_FAILED, error=note)
        return released

    # steps 1 and 2: the approval, recorded and read back

    def record_approval(self, draft: StatusPageDraft, approver: str) -> StatusPageDraft:
        approved = draft.moved_to(
            DraftStatus.APPROVED,
            at=self._clock(),
            approved_by=approver,
            approved_hash=draft.body_sha256,
        )
        try:
            return self._drafts.update(
                approved, expected_version=draft.version, expected_status=DraftStatus.PENDING
            )
        except ConcurrentUpdate as exc:
            current = exc.current or draft
            if current.body_sha256 != draft.body_sha256:
                raise DraftSuperseded(current) from exc
            raise DraftClosed(current, "approve") from exc

    def audit_approval(self, draft: StatusPageDraft) -> None:
        # A deterministic event id makes this idempotent: a retry after a crash between
        # the draft write and this append records the approval exactly once.
        approved_hash = draft.approved_hash or ""
        self._audit.append(
            draft.incident_id,
            actor=draft.approved_by or "unknown",
            action=AuditAction.STATUS_APPROVED,
            details={
                "draft_id": draft.id,
                "body_sha256": approved_hash,
                "approver": draft.approved_by,
            },
            event_id=f"approval-{draft.id}-{approved_hash[:32]}",
        )

    def read_back_approval(self, draft_id: str, expected_hash: str) -> StatusPageDraft:
        fresh = require_draft(self._drafts, draft_id)
        if fresh.status in {DraftStatus.PUBLISHING, DraftStatus.PUBLISHED}:
            raise DraftClosed(fresh, "publish")  # a concurrent approver got there first
        events = self._audit.events(fresh.incident_id)
        recorded = any(
            e.action is AuditAction.STATUS_APPROVED
            and e.details.get("draft_id") == draft_id
            and e.details.get("body_sha256") == expected_hash
            for e in events
        )
        problem = None
        if fresh.status is not DraftStatus.APPROVED:
            problem = f"the draft is {fresh.status.value}, not approved"
        elif not (fresh.approved_hash == fresh.body_sha256 == expected_hash):
            problem = "the approval is for different text than the draft holds"
        elif not recorded:
            problem = "no STATUS_APPROVED audit event for this draft id and body hash"
        if problem:
            record(self._audit, fresh, "marshal", AuditAction.STATUS_PUBLISH_FAILED, error=problem)
            raise AutoPublishNotPermitted(draft_id, problem)
        return fresh

    # steps 3 to 5: claim, send, finish

    def claim(self, approved: StatusPageDraft) -> StatusPageDraft:
        """approved -> publishing: of any number of concurrent approvers exactly one wins."""
        try:
            return self._drafts.update(
                approved.moved_to(DraftStatus.PUBLISHING, at=self._clock()),
                expected_version=approved.version,
                expected_status=DraftStatus.APPROVED,
            )
        except ConcurrentUpdate as exc:
            raise DraftClosed(exc.current or approved, "publish") from exc

    def publish(self, draft: StatusPageDraft, actor: str) -> StatusPageDraft:
        marker = PublishMarker(incident_id=draft.incident_id, draft_id=draft.id)
        failure: StatusPageError | None = None
        with PublishLease(
            self._drafts, draft, lease=self._publish_lease, clock=self._clock
        ) as lease:
            try:
                public = self._send(draft, marker)
            except StatusPageError as exc:
                failure = exc
        claimed = lease.draft  # renewals moved its version on
        if failure is not None:
            failed = self._finish(claimed, status=DraftStatus.APPROVED, failure_note=str(failure))
            record(
                self._audit,
                failed,
                actor,
                AuditAction.STATUS_PUBLISH_FAILED,
                error=str(failure),
                retryable=failure.retryable,
            )
            raise PublishFailed(failed, str(failure)) from failure
        published = self._finish(
            claimed,
            status=DraftStatus.PUBLISHED,
            public_incident_id=public.id,
            public_url=public.shortlink,
            failure_note=None,
        )
        record(
            self._audit,
            published,
            actor,
            AuditAction.STATUS_PUBLISHED,
            public_incident_id=public.id,
            public_url=public.shortlink,
        )
        return published

    def _finish(
        self, claimed: StatusPageDraft, status: DraftStatus, **changes: Any
    ) -> StatusPageDraft:
        """The write that ends a publish; DraftClosed if another press took the draft over
        (this attempt stalled past its lease; the taker adopts what it wrote)."""
        try:
            return self._drafts.update(
                claimed.moved_to(status, at=self._clock(), **changes),
                expected_version=claimed.version,
                expected_status=DraftStatus.PUBLISHING,
            )
        except ConcurrentUpdate as exc:
            raise DraftClosed(exc.current or claimed, "publish") from exc

    def _send(self, draft: StatusPageDraft, marker: PublishMarker) -> PublicIncident:
        earlier = self.latest_published(draft.incident_id)
        if earlier is not None and earlier.public_incident_id:
            target: PublicIncident | None = self._status_page.get_incident(
                earlier.public_incident_id
            )
        else:
            # also covers a first publish that reached the status page but not our store
            target = self._status_page.find_incident(incident_id=draft.incident_id)
        if target is None:
            return self._status_page.create_incident(
                name=draft.title, body=draft.body, status=draft.public_status, marker=marker
            )
        if target.marker == marker:
            return target  # an earlier attempt of this very draft got through
        return self._status_page.update_incident(
            target.id, body=draft.body, status=draft.public_status, marker=marker
        )
