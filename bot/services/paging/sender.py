"""PageSender: sends one page (or one sync call) to one target, exactly once per ledger key.

Before the call it takes a lease (`Claims.claim` with a TTL) on the key, so two processors
never call the vendor for the same key at once; after it, the call is recorded in the
incident's `EscalationState.sent` (a conditional write), so a redelivered event skips it.
A process that dies between the call and the record leaves the lease to expire and the
queue to redeliver: the call is made again, which the vendors fold into the same alert
(PagerDuty's dedup_key, Opsgenie's alias are the incident id).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Protocol

from bot.domain.audit import AuditAction
from bot.domain.errors import MarshalError
from bot.domain.escalation import PageTarget, TargetKind
from bot.domain.escalation_state import EscalationState, PageRecord
from bot.domain.models import AlertSource, Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.pager import Pager, PageRequest, PagerError
from bot.ports.store import Claims, Incidents
from bot.services.incident_updates import IncidentUpdates

log = logging.getLogger(__name__)

LEASE_SECONDS = 120


class PagingStore(Incidents, Claims, Protocol):
    """What paging needs of the store: incidents (with their escalation state) and claims."""


class PageInProgress(MarshalError):
    """Another processor holds the lease on this page; the queue retries the event later."""


class PageSender:
    def __init__(
        self,
        store: PagingStore,
        audit: AuditLog,
        pagers: Mapping[TargetKind, Pager],
        *,
        owner: str,
        clock: Callable[[], datetime] = utcnow,
        lease_seconds: int = LEASE_SECONDS,
    ) -> None:
        self._store = store
        self._updates = IncidentUpdates(store)
        self._audit = audit
        self._pagers = dict(pagers)
        self._owner = owner
        self._clock = clock
        self._lease = lease_seconds

    def page(
        self,
        incident: Incident,
        key: str,
        target: PageTarget,
        page: PageRequest,
        *,
        step: int,
        by: str,
        request: str | None = None,
    ) -> Incident:
        """Page `target` unless `key` is recorded; returns the incident as stored after."""
        if _state(incident).sent.get(key):
            return incident
        self._take_lease(incident.id, key)
        problem: str | None = None
        ref: str | None = None
        try:
            ref = self._pager_for(incident, target).trigger(target, page).ref
        except PagerError as exc:
            problem = str(exc)
            log.warning("page failed", extra={"incident": incident.id, "target": str(target)})
        record = PageRecord(
            epoch=_state(incident).epoch,
            step=step,
            level=page.level,
            target=str(target),
            at=self._clock(),
            by=by,
            ok=problem is None,
            problem=problem,
            request=request,
            ref=ref,
        )
        self._audit.append(
            incident.id,
            actor=by,
            action=AuditAction.PAGED,
            details={
                "target": str(target),
                "level": page.level,
                "ok": record.ok,
                "problem": problem,
            },
            event_id=f"{incident.id}.page.{key}",
        )
        return self._record(incident, key, record)

    def sync(
        self,
        incident: Incident,
        key: str,
        target: PageTarget,
        action: str,
        *,
        by: str,
        ref: str | None = None,
    ) -> Incident:
        """Send `action` (acknowledge or resolve) to `target` unless `key` is recorded."""
        if _state(incident).sent.get(key):
            return incident
        self._take_lease(incident.id, key)
        problem: str | None = None
        try:
            pager = self._pager_for(incident, target)
            if action == "acknowledge":
                pager.acknowledge(target, incident.id, by, ref)
            else:
                pager.resolve(target, incident.id, by, ref)
        except PagerError as exc:
            problem = str(exc)
        self._audit.append(
            incident.id,
            actor=by,
            action=AuditAction.PAGER_SYNCED,
            details={
                "target": str(target),
                "sync": action,
                "ok": problem is None,
                "problem": problem,
            },
            event_id=f"{incident.id}.sync.{key}",
        )
        return self._record(incident, key, None)

    def _pager_for(self, incident: Incident, target: PageTarget) -> Pager:
        if target.kind is TargetKind.PAGERDUTY and incident.source is AlertSource.PAGERDUTY:
            raise PagerError(
                "not paged back into PagerDuty: the incident came from there "
                "(its acknowledge and resolve are synced to it instead)"
            )
        pager = self._pagers.get(target.kind)
        if pager is None:
            raise PagerError(f"no {target.kind.value} pager is configured")
        return pager

    def _take_lease(self, incident_id: str, key: str) -> None:
        if not self._store.claim(f"page:{incident_id}:{key}", self._owner, ttl_seconds=self._lease):
            raise PageInProgress(f"incident {incident_id}: {key} is being sent by another process")

    def _record(self, incident: Incident, key: str, record: PageRecord | None) -> Incident:
        at = self._clock()

        def change(current: Incident) -> Incident | None:
            state = _state(current)
            if state.sent.get(key):
                return None
            pages = [*state.pages, record] if record else state.pages
            updated = state.model_copy(update={"sent": {**state.sent, key: at}, "pages": pages})
            return current.model_copy(update={"escalation": updated, "updated_at": at})

        return self._updates.apply(incident, change).after


def _state(incident: Incident) -> EscalationState:
    assert incident.escalation is not None, "pages are sent only for an incident with a state"
    return incident.escalation
