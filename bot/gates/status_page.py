"""StatusPageApprovalGate: drafts, reviews and publishes status-page posts, exactly once.

This is the ONLY code allowed to call the StatusPage port's write methods (a test walks
`bot/` and fails otherwise). The gate keeps the public API and the order of the steps; who
may approve is ApprovalRules (approval_rules.py), the publish itself is DraftPublisher
(publisher.py). A publish runs as a two-phase commit:

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
from typing import Any

from bot.domain.audit import AuditAction
from bot.domain.draft_lifecycle import OPEN_FOR_REVIEW
from bot.domain.errors import ConcurrentUpdate
from bot.domain.models import (
    DraftStatus,
    Incident,
    PublicStatus,
    StatusPageDraft,
    utcnow,
)
from bot.domain.severity import Severity
from bot.gates.approval_rules import ApprovalRules, MayApprove
from bot.gates.errors import DraftClosed, DraftInvalid, DraftSuperseded
from bot.gates.publisher import DraftPublisher
from bot.gates.records import record, require_draft
from bot.gates.writer import DraftWriter, TemplateDraftWriter
from bot.ports.audit import AuditLog
from bot.ports.drafts import DraftStore
from bot.ports.status_page import StatusPage
from bot.ports.store import Incidents

MAX_BODY_CHARS = 4000
# How long a publish that stopped renewing its claim (its process died) holds the draft;
# a running publish renews it every third of this (bot/gates/lease.py).
PUBLISH_LEASE = timedelta(seconds=30)

log = logging.getLogger(__name__)


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
        self._rules = ApprovalRules(
            audit=audit,
            incidents=incidents,
            may_approve=may_approve,
            two_person_rule=two_person_rule,
            approvers_configured=approvers_configured,
        )
        if self._rules.two_person_rule and not approvers_configured:
            log.warning(
                "the two-person rule is on for %s but MARSHAL_APPROVERS is empty: an incident "
                "commander who drafts a status-page post cannot get it approved; set "
                "MARSHAL_APPROVERS (Slack user or user-group ids) or MARSHAL_TWO_PERSON_RULE=off",
                ",".join(sorted(s.value for s in self._rules.two_person_rule)),
            )
        self._publisher = DraftPublisher(
            drafts=drafts,
            audit=audit,
            status_page=status_page,
            clock=clock,
            publish_lease=publish_lease,
        )
        self._writer: DraftWriter = writer or TemplateDraftWriter()
        self._clock = clock

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
        self._rules.authorize_rejection(current, user)
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
        publisher = self._publisher
        current = self._require(draft_id)
        stalled = publisher.stalled(current)
        self._check_current(current, expected_hash, "approve", stalled_ok=stalled)
        self._rules.authorize_approval(current, approver)
        if stalled:
            current = publisher.release_stalled(current, approver)
        if current.status is DraftStatus.PENDING:
            current = publisher.record_approval(current, approver)  # step 1
        publisher.audit_approval(current)
        approved = publisher.read_back_approval(draft_id, expected_hash)  # step 2
        publishing = publisher.claim(approved)  # step 3
        return publisher.publish(publishing, approver)  # steps 4 and 5

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
        return self._publisher.latest_published(incident_id)

    def get(self, draft_id: str) -> StatusPageDraft:
        return self._require(draft_id)

    # checks

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
        return require_draft(self._drafts, draft_id)

    def _record(
        self, draft: StatusPageDraft, actor: str, action: AuditAction, **details: Any
    ) -> None:
        record(self._audit, draft, actor, action, **details)


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
