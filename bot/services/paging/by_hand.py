"""PageByHand: `/marshal page <@user|@group|service|target> [message]` pages now.

The command resolves whom to page (a user or user-group mention becomes a `slack:` target,
a service its policy's first level, `kind:address` itself), audits the request, and
queues PAGE_BY_HAND with a request id; the handler pages each target once (the same
lease and ledger as automatic pages, keyed by the request) and tells the room.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from bot.domain.audit import AuditAction
from bot.domain.errors import BackendUnavailable
from bot.domain.escalation import PageTarget, TargetKind
from bot.domain.ids import new_id
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.pager import PageRequest
from bot.ports.queue import EventType, Queue, QueueMessage
from bot.services.incident_updates import IncidentUpdates
from bot.services.paging.control import PagingRefused
from bot.services.paging.escalation import Escalation, EscalationStore
from bot.services.paging.sender import PageSender
from bot.services.permissions import IncidentPermissions
from bot.services.slack_text import escape, user

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_GROUP = re.compile(r"^<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>$")


class PageByHand:
    def __init__(
        self,
        store: EscalationStore,
        audit: AuditLog,
        queue: Queue,
        *,
        escalation: Escalation,
        sender: PageSender,
        permissions: IncidentPermissions,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._updates = IncidentUpdates(store)
        self._audit = audit
        self._queue = queue
        self._escalation = escalation
        self._sender = sender
        self._permissions = permissions
        self._clock = clock

    def targets(self, token: str) -> list[PageTarget]:
        """Whom `token` names; raises PagingRefused saying what would work."""
        token = token.strip()
        if match := _USER.match(token) or _GROUP.match(token):
            return [PageTarget(TargetKind.SLACK, match.group(1))]
        if ":" in token:
            try:
                return [PageTarget.parse(token)]
            except ValueError as exc:
                raise PagingRefused(str(exc)) from None
        policy = self._escalation.rules.policies.for_incident(token, None)
        if policy is None or token.lower() not in self._escalation.rules.policies.routes:
            raise PagingRefused(
                f"{token[:60]!r} is not a @user, @group, routed service or kind:address target"
            )
        return list(policy.levels[0].targets)

    def page(self, incident: Incident, user_id: str, token: str, message: str) -> list[str]:
        """Queue the page; returns the targets' names for the reply."""
        self._permissions.require(
            self._permissions.may_change_severity(user_id, incident), user_id, "page"
        )
        targets = [str(t) for t in self.targets(token)]
        self._ensure_state(incident)
        request = new_id("pg")
        self._audit.append(
            incident.id,
            actor=user_id,
            action=AuditAction.PAGED,
            details={"user": user_id, "by_hand": True, "targets": targets,
                     "message": message.strip() or None, "request": request},
        )  # fmt: skip
        payload = {
            "request": request,
            "targets": targets,
            "by": user_id,
            "message": message.strip() or None,
        }
        queued = QueueMessage(
            event_id=f"pagehand-{incident.id}-{request}",
            event_type=EventType.PAGE_BY_HAND.value,
            incident_id=incident.id,
            payload=payload,
        )
        try:
            self._queue.send(queued)
        except BackendUnavailable as exc:
            raise PagingRefused(f"the queue is unavailable ({exc}); try again") from exc
        return targets

    def run(self, message: QueueMessage) -> None:
        """PAGE_BY_HAND: page each target of the request once, then tell the room."""
        incident = self._store.get(message.incident_id, consistent=True)
        if incident is None or incident.escalation is None:
            return
        request, by = str(message.payload["request"]), str(message.payload["by"])
        text = message.payload.get("message")
        page = PageRequest(
            incident_id=incident.id,
            title=incident.title,
            severity=incident.severity.value,
            service=incident.service,
            level=0,
            message=str(text) if text else None,
            room=incident.channel_id,
            drill=incident.drill,
        )
        epoch = incident.escalation.epoch
        for target in message.payload["targets"]:
            key = f"{epoch}.hand.{request}.{target}"
            incident = self._sender.page(
                incident, key, PageTarget.parse(str(target)), page, step=-1, by=by, request=request
            )
        assert incident.escalation is not None
        parts = [
            f"`{escape(p.target)}`" + ("" if p.ok else f" (failed: {escape(p.problem)})")
            for p in incident.escalation.pages
            if p.request == request
        ]
        self._escalation.tell_room(incident, f":pager: {user(by)} paged {', '.join(parts)}.")

    def _ensure_state(self, incident: Incident) -> None:
        if incident.escalation is not None:
            return
        policy = self._escalation.rules.policy_for(incident)

        def idle(current: Incident) -> Incident | None:
            if current.escalation is not None:
                return None
            state = self._escalation.idle_state(current, policy)
            return current.model_copy(update={"escalation": state})

        self._updates.apply(incident, idle)
