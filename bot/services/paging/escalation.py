"""Escalation: automatic paging of an incident's policy, step after step, until someone
acknowledges.

- `start` (the war room's on_assembled hook, and the timer's reconcile) gives a paging
  incident its EscalationState and queues step 0 in the same write (outbox);
- `run_step` (PAGE_STEP) pages every target of the step's level once (PageSender), then
  advances the state to the next step, due `after` later; the room is told who was paged;
- `acknowledge` stops the epoch's escalation and queues PAGE_SYNC(acknowledge);
  `resolved` queues PAGE_SYNC(resolve); `run_sync` sends it to every target paged;
- a resolved incident that is open again starts the next epoch at level 1 (`start`).
The timer (timer.py) only sends PAGE_STEP when a step is due; this class decides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.audit import AuditAction
from bot.domain.errors import BackendUnavailable, MarshalError
from bot.domain.escalation import EscalationPolicy, PageTarget, TargetKind
from bot.domain.escalation_state import EscalationState
from bot.domain.models import AlertSource, Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.pager import IncidentSync, PageRequest, PagerError
from bot.ports.queue import Queue
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.ports.store import Outbox
from bot.services.incident_updates import IncidentUpdates
from bot.services.outbox_relay import deliver
from bot.services.paging.hold_expiry import HoldExpiry
from bot.services.paging.messages import SyncAction, page_step, page_step_outbox, page_sync
from bot.services.paging.rules import PagingRules
from bot.services.paging.sender import PageSender, PagingStore
from bot.services.slack_text import escape, is_user_id, user

log = logging.getLogger(__name__)

MARSHAL = "marshal"


class EscalationStore(PagingStore, Outbox, Protocol):
    """Incidents, claims and the outbox (the first page is queued with the state)."""


class Escalation:
    def __init__(
        self,
        store: EscalationStore,
        audit: AuditLog,
        slack: SlackGateway,
        queue: Queue,
        *,
        rules: PagingRules,
        sender: PageSender,
        origin_sync: IncidentSync | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_change: Callable[[Incident], None] | None = None,
    ) -> None:
        self._store = store
        self._updates = IncidentUpdates(store)
        self._audit = audit
        self._slack = slack
        self._queue = queue
        self.rules = rules
        self._sender = sender
        self._origin = origin_sync
        self._clock = clock
        self.on_change = on_change
        self._holds = HoldExpiry(self._updates, audit, slack, clock)

    # --- starting ---------------------------------------------------------------------

    def start(self, incident: Incident) -> Incident | None:
        """Page level 1 of the incident's policy, if it pages and is not paging yet (or was
        resolved and is open again: the next epoch). None when nothing starts."""
        if not self._should_start(incident):
            return None
        return self._begin(incident, self._should_start)

    def reopened(self, incident_id: str) -> Incident | None:
        """The resolve side's reopen: level 1 of the next epoch, now (see `start`)."""
        incident = self._store.get(incident_id, consistent=True)
        return self.start(incident) if incident is not None else None

    def start_by_hand(self, incident: Incident) -> Incident:
        """`/marshal escalate` on an incident that is not paging (below the paging
        severities, or acknowledged before any page): level 1 now."""
        started = self._begin(incident, lambda current: _idle(current.escalation))
        if started is None:
            raise MarshalError("paging started meanwhile; look at the room")
        return started

    def idle_state(self, incident: Incident, policy: EscalationPolicy | None) -> EscalationState:
        """A state that pages nothing yet (e.g. a hold set before the first page)."""
        return EscalationState(policy=policy.name if policy else "", epoch_started_at=self._clock())

    def _begin(self, incident: Incident, still: Callable[[Incident], bool]) -> Incident | None:
        policy = self.rules.policy_for(incident)
        if policy is None:
            return None
        now = self._clock()
        epoch = self._started(incident, policy, now).epoch
        event = page_step_outbox(incident.id, epoch, 0, due=now)

        def begin(current: Incident) -> Incident | None:
            # from the incident as it is now: a hold set since `incident` was read is kept
            state = self._started(current, policy, now)
            if not still(current) or state.epoch != epoch:
                return None
            return current.model_copy(update={"escalation": state, "updated_at": now})

        applied = self._updates.apply(incident, begin, events=[event])
        if not applied.changed:
            return None
        try:
            deliver(self._store, self._queue, event)
        except BackendUnavailable as exc:  # the outbox relay (or the timer) sends it later
            log.warning("first page left to the relay: %s", exc, extra={"incident": incident.id})
        self.changed(applied.after)
        return applied.after

    def _started(
        self, incident: Incident, policy: EscalationPolicy, now: datetime
    ) -> EscalationState:
        """The state that pages level 1 of `incident` now."""
        previous = incident.escalation
        if previous is None or _idle(previous):
            return (previous or self.idle_state(incident, policy)).model_copy(
                update={"policy": policy.name, "epoch_started_at": now, "next_due": now}
            )
        # reopened: the next epoch, its own acknowledgement, no hold
        return EscalationState(
            policy=policy.name,
            epoch=previous.epoch + 1,
            epoch_started_at=now,
            next_due=now,
            pages=previous.pages,
            sent=previous.sent,
        )

    def _should_start(self, incident: Incident) -> bool:
        if not incident.is_open or not incident.channel_id:
            return False
        if not self.rules.pages_automatically(incident) or self.rules.policy_for(incident) is None:
            return False
        state = incident.escalation
        if state is None or _idle(state):
            return incident.acknowledged_at is None and not (state and state.acknowledged)
        return state.resolved_epoch == state.epoch  # reopened after a resolve

    # --- one step -----------------------------------------------------------------------

    def run_step(self, incident_id: str, epoch: int, step: int) -> Incident | None:
        incident = self._store.get(incident_id, consistent=True)
        if incident is None or incident.escalation is None or not incident.is_open:
            return None
        state = incident.escalation
        policy = self.rules.policies.named(state.policy)
        forced = state.forced_step == step
        if state.epoch != epoch or state.next_step != step or policy is None:
            return None  # stale: done already, a new epoch, or the policy is gone
        if not forced and (state.acknowledged or state.held_at(self._clock())):
            return None  # the timer re-sends it when a hold ends
        incident = self.end_hold(incident)
        if step >= policy.step_count:
            return None
        level = policy.level(step)
        page = self._request(incident, policy.level_of(step))
        for target in level.targets:
            incident = self._sender.page(
                incident, f"{epoch}.{step}.{target}", target, page, step=step, by=MARSHAL
            )
        now = self._clock()
        last = step + 1 >= policy.step_count

        def advance(current: Incident) -> Incident | None:
            st = current.escalation
            if st is None or st.epoch != epoch or st.next_step != step:
                return None
            # `/marshal escalate` while this level was being paged: the next one goes now
            chained = not last and st.forced_step == step + 1
            due = now if chained else now + timedelta(seconds=level.after_seconds)
            moved = st.model_copy(
                update={
                    "next_step": step + 1,
                    "next_due": None if last else due,
                    "first_paged_at": st.first_paged_at or now,
                    "forced_step": step + 1 if chained else None,
                }
            )
            return current.model_copy(update={"escalation": moved, "updated_at": now})

        applied = self._updates.apply(incident, advance)
        if applied.changed:
            stored = applied.after
            if step > 0:
                self._audit.append(
                    stored.id,
                    actor=MARSHAL,
                    action=AuditAction.ESCALATED,
                    details={
                        "epoch": epoch,
                        "step": step,
                        "level": policy.level_of(step),
                        "by_hand": forced,
                    },
                    event_id=f"{stored.id}.escalated.{epoch}.{step}",
                )
            self.tell_room(stored, self._paged_line(stored, epoch, step, policy.level_of(step)))
            moved_on = stored.escalation
            if moved_on is not None and moved_on.forced_step == step + 1:
                self._chain(stored.id, epoch, step + 1, now)
            self.changed(stored)
        return applied.after

    def _chain(self, incident_id: str, epoch: int, step: int, due: datetime) -> None:
        """Queue the step escalated to by hand; if the queue is down the timer sends it
        (the step is due now), and run_step's checks make a second copy page nobody."""
        try:
            self._queue.send(page_step(incident_id, epoch, step, due=due))
        except BackendUnavailable as exc:
            log.warning("escalated step left to the timer: %s", exc)

    def _request(self, incident: Incident, level: int, message: str | None = None) -> PageRequest:
        return PageRequest(
            incident_id=incident.id,
            title=incident.title,
            severity=incident.severity.value,
            service=incident.service,
            level=level,
            message=message,
            room=incident.channel_id,
            drill=incident.drill,
        )

    def _paged_line(self, incident: Incident, epoch: int, step: int, level: int) -> str:
        assert incident.escalation is not None
        records = [p for p in incident.escalation.pages if p.epoch == epoch and p.step == step]
        parts = [
            f"`{escape(p.target)}`"
            if p.ok
            else f"`{escape(p.target)}` (failed: {escape(p.problem)})"
            for p in records
        ]
        after = incident.escalation.next_due
        tail = (
            f" Next level at {after.strftime('%H:%M:%S UTC')} unless someone acknowledges."
            if after
            else " That was the last level of the policy."
        )
        return f":rotating_light: Paged level {level}: {', '.join(parts) or 'nobody'}.{tail}"

    def end_hold(self, incident: Incident) -> Incident:
        """A hold whose time is up ends by itself (run_step and the timer ask)."""
        return self._holds.end(incident)

    # --- acknowledge, resolve, sync -------------------------------------------------------

    def acknowledge(
        self, incident: Incident | str, by: str, *, via: str = "slack"
    ) -> Incident | None:
        """Stop this epoch's escalation; None when there was nothing to stop."""
        now = self._clock()

        def ack(current: Incident) -> Incident | None:
            st = current.escalation or self._origin_state(current)
            if st is None or st.acknowledged:
                return None
            changes: dict[str, object] = {
                "escalation": st.model_copy(
                    update={"acked_at": now, "acked_by": by, "ack_via": via, "forced_step": None}
                ),
                "updated_at": now,
            }
            if current.acknowledged_at is None and is_user_id(by):  # not "pagerduty"
                changes.update(acknowledged_at=now, acknowledged_by=by)
            return current.model_copy(update=changes)

        applied = self._updates.apply(incident, ack)
        if not applied.changed:
            return None
        stored = applied.after
        state = stored.escalation
        assert state is not None
        mtta = (now - state.first_paged_at).total_seconds() if state.first_paged_at else None
        self._audit.append(
            stored.id,
            actor=by,
            action=AuditAction.PAGE_ACKNOWLEDGED,
            details={"user": by, "via": via, "epoch": state.epoch, "mtta_seconds": mtta},
            event_id=f"{stored.id}.page_ack.{state.epoch}",
        )
        since = f" {mtta:.0f}s after the first page" if mtta is not None else ""
        self.tell_room(
            stored, f":white_check_mark: Escalation stopped: acknowledged by {user(by)}{since}."
        )
        self._queue_sync(stored, SyncAction.ACKNOWLEDGE)
        self.changed(stored)
        return stored

    def resolved(self, incident_id: str) -> None:
        """The resolve flow's hook: close the epoch and queue PAGE_SYNC(resolve)."""
        now = self._clock()

        def close(current: Incident) -> Incident | None:
            st = current.escalation or self._origin_state(current)
            if st is None or st.resolved_epoch == st.epoch:
                return None
            return current.model_copy(
                update={
                    "escalation": st.model_copy(
                        update={"resolved_epoch": st.epoch, "next_due": None}
                    ),
                    "updated_at": now,
                }
            )

        applied = self._updates.apply(incident_id, close)
        if applied.after.escalation is not None:
            self._queue_sync(applied.after, SyncAction.RESOLVE)
        self.changed(applied.after)

    def _origin_state(self, incident: Incident) -> EscalationState | None:
        """An incident from PagerDuty that marshal never paged still has its acknowledge and
        resolve synced there: it gets a state that pages nothing, to carry them."""
        if incident.source is not AlertSource.PAGERDUTY or self._origin is None:
            return None
        return self.idle_state(incident, None)

    def _queue_sync(self, incident: Incident, action: SyncAction) -> None:
        assert incident.escalation is not None
        try:
            self._queue.send(page_sync(incident.id, incident.escalation.epoch, action))
        except BackendUnavailable as exc:  # the timer's reconcile queues it again
            log.warning(
                "pager sync left to the reconcile: %s", exc, extra={"incident": incident.id}
            )

    def run_sync(self, incident_id: str, epoch: int, action: SyncAction) -> None:
        incident = self._store.get(incident_id, consistent=True)
        if incident is None or incident.escalation is None:
            return
        by = incident.escalation.acked_by or incident.resolved_by or MARSHAL
        refs: dict[str, str | None] = {}
        for p in incident.escalation.pages:
            if p.epoch == epoch and p.ok:
                refs[p.target] = refs.get(p.target) or p.ref
        for target, ref in refs.items():
            key = f"{epoch}.{action.value}.{target}"
            incident = self._sender.sync(
                incident, key, PageTarget.parse(target), action.value, by=by, ref=ref
            )
        self._sync_origin(incident, epoch, action)

    def _sync_origin(self, incident: Incident, epoch: int, action: SyncAction) -> None:
        """An incident that came from PagerDuty: acknowledge / resolve it there (REST)."""
        state = incident.escalation
        if self._origin is None or incident.source is not AlertSource.PAGERDUTY or state is None:
            return
        if action is SyncAction.ACKNOWLEDGE and state.ack_via == TargetKind.PAGERDUTY.value:
            return  # it was acknowledged in PagerDuty: nothing to tell it
        vendor_id = incident.group_key.partition(":")[2]
        try:
            if action is SyncAction.ACKNOWLEDGE:
                self._origin.acknowledge_incident(vendor_id)
            else:
                self._origin.resolve_incident(vendor_id)
        except PagerError as exc:
            self.tell_room(incident, f":warning: PagerDuty was not told ({escape(exc)}).")

    # --- helpers ------------------------------------------------------------------------

    def tell_room(self, incident: Incident, text: str) -> None:
        if not incident.channel_id:
            return
        try:
            self._slack.post_message(incident.channel_id, text)
        except SlackCallFailed as exc:
            log.warning(
                "room not told about paging: %s", exc.error, extra={"incident": incident.id}
            )

    def changed(self, incident: Incident) -> None:
        """Tell the timer (on_change) that paging changed, so it re-plans the incident."""
        if self.on_change is not None:
            self.on_change(incident)


def _idle(state: EscalationState | None) -> bool:
    """A state that never started paging (created by a hold before the first page)."""
    return state is None or (
        state.next_due is None and state.next_step == 0 and state.first_paged_at is None
    )
