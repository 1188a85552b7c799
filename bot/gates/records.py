"""What every step of the gate shares: reading a draft and its incident (NotFound when
either is gone) and the shape of the audit event it records about a draft (the draft id,
version and body hash, plus the step's own facts)."""

from __future__ import annotations

from typing import Any

from bot.domain.audit import AuditAction
from bot.domain.errors import NotFound
from bot.domain.models import Incident, StatusPageDraft
from bot.ports.audit import AuditLog
from bot.ports.drafts import DraftStore
from bot.ports.store import Incidents


def require_draft(drafts: DraftStore, draft_id: str) -> StatusPageDraft:
    draft = drafts.get(draft_id)
    if draft is None:
        raise NotFound(f"status-page draft {draft_id} does not exist")
    return draft


def incident_of(incidents: Incidents, draft: StatusPageDraft) -> Incident:
    incident = incidents.get(draft.incident_id)
    if incident is None:
        raise NotFound(f"incident {draft.incident_id} of draft {draft.id} does not exist")
    return incident


def record(
    audit: AuditLog, draft: StatusPageDraft, actor: str, action: AuditAction, **details: Any
) -> None:
    audit.append(
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
