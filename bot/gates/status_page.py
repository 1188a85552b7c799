"""StatusPageApprovalGate: drafts, reviews and publishes status-page posts, exactly once.

This is the ONLY code allowed to call the StatusPage port's write methods (a test walks
`bot/` and fails otherwise). A publish runs as a two-phase commit:

1. record the approval: a conditional write pending -> approved (draft id, SHA-256 of the
   body, approver) and an audit event STATUS_APPROVED with the same three facts;
2. read both back strongly consistent and require the same draft id AND body hash;
   otherwise AutoPublishNotPermitted and nothing is sent;
3. claim the publish: a conditional write approved -> publishing; of any number of
   concurrent approvers exactly one wins, the rest stop here;
4. publish (create the public incident, or update the incident's existing one), adopting
   what an earlier ambiguous attempt already wrote (the marker in the metadata), while a
   PublishLease renews the claim;
5. record published (public id and link) and audit STATUS_PUBLISHED. A failure moves the
   draft back to approved with a note (STATUS_PUBLISH_FAILED), ready for a retry; so does
   an approve press on a draft whose claim went unrenewed past the lease (a crashed process).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.domain.audit import AuditAction
from bot.domain.draft_lifecycle import OPEN_FOR_REVIEW
from bot.domain.errors import ConcurrentUpdate, NotFound
from bot.domain.models import (
    DraftStatus,
    Incident,
    PublicStatus,
    StatusPageDraft,
    utcnow,
)
from bot.domain.severity import Severity
from bot.gates.errors import (
    ApprovalRefused,
    AutoPublishNotPermitted,
    DraftClosed,
    DraftInvalid,
    DraftSuperseded,
    PublishFailed,
)
from bot.gates.lease import PublishLease
from bot.gates.writer import DraftWriter, TemplateDraftWriter
from bot.ports.audit import AuditLog
from bot.ports.drafts import DraftStore
from bot.ports.status_page import PublicIncident, PublishMarker, StatusPage, StatusPageError
from bot.ports.store import Incidents

MAX_BODY_CHARS = 4000
# How long a publish that stopped renewing its claim (its process died) holds the draft;
# a running publish renews it every third of this (bot/gates/lease.py).
PUBLISH_LEASE = timedelta(seconds=30)

log = logging.getLogger(__name__)


class ApprovalVerdict(Protocol):
    """What a permission check answers; IncidentPermissions' Decision is one."""

    @property
    def allowed(self) -> bool: ...

    @property
    def reason(self) -> str: ...


MayApprove = Callable[[str, Incident], ApprovalVerdict]


class StatusPageApprovalGate:
    def __init__(
        self,
        *,
        drafts: DraftStore,
        audit: AuditLog,
        incidents: Incidents,
        status_page: StatusPage,
        may_approve: MayApprove,
        two_person_rule: Collection[Severity] = (Severity.P1,),
        approvers_configured: bool = True,
        writer: DraftWriter | None = None,
        clock: Callable[[], datetime] = utcnow,
        publish_lease: timedelta = PUBLISH_LEASE,
    ) -> None:
        self._drafts = drafts
        self._audit = audit
        self._incidents = incidents
        self._status_page = status_page
        self._may_approve = may_approve
        self._two_person_rule = frozenset(two_person_rule)
        self._approvers_configured = approvers_configured
        if self._two_person_rule and not approvers_configured:
            log.warning(
                "the two-person rule is on for %s but MARSHAL_APPROVERS is empty: an incident "
                "commander who drafts a status-page post cannot get it approved; set "
                "MARSHAL_APPROVERS (Slack user or user-group ids) or MARSHAL_TWO_PERSON_RULE=off",
                ",".join(sorted(s.value for s in self._two_person_rule)),
            )
        self._writer: DraftWriter = writer or TemplateDraftWriter()
        self._clock = clock
        self._publish_lease = publish_lease

    # review

    def draft(
        self,
        incident: Incident,
        drafted_by: str,
        text: str | None = None,
        public_status: PublicStatus = PublicStatus.INVESTIGATING,
    ) -> StatusPageDraft:
        """A new pending draft (template text unless `text` is given); it supersedes the
        incident's other drafts still under review."""
        written = self._writer.write(incident, public_status)
        body = _checked_body(text if text is not None else written.body)
        superseded = [self._supersede(d) for d in self._drafts.list_for_incident(incident.id)]
        now = self._clock()
        draft = self._drafts.add(
            StatusPageDraft(
                incident_id=incident.id,
                title=written.title,
                body=body,
                public_status=public_status,
                drafted_by=drafted_by,
                created_at=now,
                updated_at=now,
            )
        )
        self._record(
            draft,
            drafted_by,
            AuditAction.STATUS_DRAFT_CREATED,
            public_status=public_status.value,
            supersedes=[d for d in superseded if d],
        )
        return draft

    def edit(
        self, draft_id: str, editor: str, new_text: str, *, expected_hash: str | None = None
    ) -> StatusPageDraft:
        """The same draft with new text and version; any approval is void (the hash moved)."""
        current = self._require(draft_id)
        self._check_current(current, expected_hash, "edit")
        body = _checked_body(new_text)
        edited = current.moved_to(
            DraftStatus.PENDING,
            at=self._clock(),
            body=body,
            edited_by=editor,
            editors=[*current.editors, editor],
            approved_by=None,
            approved_hash=None,
            failure_note=None,
        )
        try:
            stored = self._drafts.update(
                edited, expected_version=current.version, expected_status=current.status
            )
        except ConcurrentUpdate as exc:
            raise DraftSuperseded(exc.current or current) from exc
        self._record(
            stored, editor, AuditAction.STATUS_DRAFT_EDITED, previous_sha256=current.body_sha256
        )
        return stored

    def reject(
        self, draft_id: str, user: str, reason: str, *, expected_hash: str | None = None
    ) -> StatusPageDraft:
        """Only its authors or someone who may approve can reject a draft."""
        current = self._require(draft_id)
        self._check_current(current, expected_hash, "reject")
        if user not in current.authors:
            verdict = self._may_approve(user, self._incident_of(current))
            if not verdict.allowed:
                self._refuse(current, user, "reject", verdict.reason)
        rejected = current.moved_to(DraftStatus.REJECTED, at=self._clock())
        try:
            stored = self._drafts.update(
                rejected, expected_version=current.version, expected_status=current.status
            )
        except ConcurrentUpdate as exc:
            raise DraftClosed(exc.current or current, "reject") from exc
        self._record(stored, user, AuditAction.STATUS_DRAFT_REJECTED, reason=reason[:500])
        return stored

    # approve and publish

    def approve(self, draft_id: str, approver: str, expected_hash: str) -> StatusPageDraft:
        """Approve this exact text and publish it; returns the published draft.

        Also the retry after a failed publish (the draft is then already approved).
        Raises ApprovalRefused, DraftSuperseded, DraftClosed (someone else got there
        first), AutoPublishNotPermitted or PublishFailed.
        """
        current = self._require(draft_id)
        stalled = self._stalled(current)
        self._check_current(current, expected_hash, "approve", stalled_ok=stalled)
        self._authorize(current, approver)
        if stalled:
            current = self._release_stalled(current, approver)
        if current.status is DraftStatus.PENDING:
            current = self._record_approval(current, approver)
        self._audit_approval(current)
        approved = self._read_back_approval(draft_id, expected_hash)
        try:
            publishing = self._drafts.update(
                approved.moved_to(DraftStatus.PUBLISHING, at=self._clock()),
                expected_version=approved.version,
                expected_status=DraftStatus.APPROVED,
            )
        except ConcurrentUpdate as exc:
            raise DraftClosed(exc.current or approved, "publish") from exc
        return self._publish(publishing, approver)

    def resolve_public_incident(
        self, incident: Incident, drafted_by: str
    ) -> StatusPageDraft | None:
        """Draft the resolution of the incident's public incident, for approval like any
        other post; None when nothing was ever published for it."""
        if self.published(incident.id) is None:
            return None
        return self.draft(incident, drafted_by, public_status=PublicStatus.RESOLVED)

    def published(self, incident_id: str) -> StatusPageDraft | None:
        """The incident's latest published draft (its public incident id and link)."""
        done = [
            d
            for d in self._drafts.list_for_incident(incident_id)
            if d.status is DraftStatus.PUBLISHED
        ]
        return done[-1] if done else None

    def get(self, draft_id: str) -> StatusPageDraft:
        return self._require(draft_id)

    # steps

    def _record_approval(self, draft: StatusPageDraft, approver: str) -> StatusPageDraft:
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

    def _audit_approval(self, draft: StatusPageDraft) -> None:
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

    def _read_back_approval(self, draft_id: str, expected_hash: str) -> StatusPageDraft:
        fresh = self._require(draft_id)
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
            self._record(fresh, "marshal", AuditAction.STATUS_PUBLISH_FAILED, error=problem)
            raise AutoPublishNotPermitted(draft_id, problem)
        return fresh

    def _publish(self, draft: StatusPageDraft, actor: str) -> StatusPageDraft:
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
            self._record(
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
        self._record(
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
        earlier = self.published(draft.incident_id)
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

    # checks

    def _authorize(self, draft: StatusPageDraft, approver: str) -> None:
        incident = self._incident_of(draft)
        verdict = self._may_approve(approver, incident)
        if not verdict.allowed:
            self._refuse(draft, approver, "approve", verdict.reason)
        if incident.severity in self._two_person_rule and approver in draft.authors:
            self._refuse(draft, approver, "approve", self._two_person_refusal(incident))

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
        self._record(
            draft,
            user,
            AuditAction.PERMISSION_DENIED,
            user=user,
            attempted=f"{verb} status-page draft",
            reason=reason,
        )
        raise ApprovalRefused(user, draft.id, reason)

    def _check_current(
        self,
        draft: StatusPageDraft,
        expected_hash: str | None,
        verb: str,
        *,
        stalled_ok: bool = False,
    ) -> None:
        if draft.status is DraftStatus.SUPERSEDED or (
            expected_hash is not None and expected_hash != draft.body_sha256
        ):
            raise DraftSuperseded(draft)
        if draft.status not in OPEN_FOR_REVIEW and not stalled_ok:
            raise DraftClosed(draft, verb)

    def _stalled(self, draft: StatusPageDraft) -> bool:
        """A publish that claimed the draft and then never finished (its process died)."""
        return (
            draft.status is DraftStatus.PUBLISHING
            and self._clock() - draft.updated_at > self._publish_lease
        )

    def _release_stalled(self, draft: StatusPageDraft, actor: str) -> StatusPageDraft:
        note = "an earlier publish attempt did not finish; retrying"
        try:
            released = self._drafts.update(
                draft.moved_to(DraftStatus.APPROVED, at=self._clock(), failure_note=note),
                expected_version=draft.version,
                expected_status=DraftStatus.PUBLISHING,
            )
        except ConcurrentUpdate as exc:
            raise DraftClosed(exc.current or draft, "publish") from exc
        self._record(released, actor, AuditAction.STATUS_PUBLISH_FAILED, error=note)
        return released

    def _supersede(self, draft: StatusPageDraft) -> str | None:
        if draft.status not in OPEN_FOR_REVIEW:
            return None
        try:
            self._drafts.update(
                draft.moved_to(DraftStatus.SUPERSEDED, at=self._clock()),
                expected_version=draft.version,
                expected_status=draft.status,
            )
        except ConcurrentUpdate:
            return None  # it moved on (approved, publishing) while we looked: leave it be
        return draft.id

    def _require(self, draft_id: str) -> StatusPageDraft:
        draft = self._drafts.get(draft_id)
        if draft is None:
            raise NotFound(f"status-page draft {draft_id} does not exist")
        return draft

    def _incident_of(self, draft: StatusPageDraft) -> Incident:
        incident = self._incidents.get(draft.incident_id)
        if incident is None:
            raise NotFound(f"incident {draft.incident_id} of draft {draft.id} does not exist")
        return incident

    def _record(
        self, draft: StatusPageDraft, actor: str, action: AuditAction, **details: Any
    ) -> None:
        self._audit.append(
            draft.incident_id,
            actor=actor,
            action=action,
            details={
                "draft_id": draft.id,
                "version": draft.version,
                "body_sha256": draft.body_sha256,
                **details,
            },
        )


def _checked_body(text: str) -> str:
    body = text.strip()
    if not body:
        raise DraftInvalid("a status-page post needs some text")
    if len(body) > MAX_BODY_CHARS:
        raise DraftInvalid(
            f"a status-page post is limited to {MAX_BODY_CHARS:,} characters; "
            f"this one has {len(body):,}"
        )
    return body
