"""PagingControl: what people do to paging by hand, each permissioned like a severity
change and audited with the actor and reason.

- `acknowledged`: `/marshal ack` and the Acknowledge buttons stop escalation;
- `escalate`: page the next step now (despite an acknowledgement or a hold);
- `hold` / `resume`: pause automatic escalation for a bounded time, shown in the room
  topic; refused once the incident is resolved; it ends by itself when the time is up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.domain.audit import AuditAction
from bot.domain.durations import DurationError, describe_limit, parse_duration
from bot.domain.errors import BackendUnavailable, MarshalError
from bot.domain.escalation_state import EscalationState
from bot.domain.models import Incident, utcnow
from bot.ports.audit import AuditLog
from bot.ports.queue import Queue, QueueMessage
from bot.ports.slack import SlackCallFailed, SlackGateway
from bot.services.incident_updates import IncidentUpdates
from bot.services.paging.escalation import Escalation, EscalationStore
from bot.services.paging.messages import page_step
from bot.services.permissions import IncidentPermissions
from bot.services.slack_text import escape, user


class PagingRefused(MarshalError):
    """The paging request cannot be done as asked; the message says why, for the reply."""


class PagingControl:
    def __init__(
        self,
        store: EscalationStore,
        audit: AuditLog,
        slack: SlackGateway,
        queue: Queue,
        *,
        escalation: Escalation,
        permissions: IncidentPermissions,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._updates = IncidentUpdates(store)
        self._audit = audit
        self._slack = slack
        self._queue = queue
        self._escalation = escalation
        self._permissions = permissions
        self._clock = clock

    def acknowledged(self, incident: Incident, user_id: str) -> Incident | None:
        """`/marshal ack` and the Acknowledge buttons (room and page DM)."""
        return self._escalation.acknowledge(incident.id, user_id, via="slack")

    def acknowledge_by_id(self, incident_id: str, user_id: str) -> str:
        """The page DM's Acknowledge button: the reply for the presser."""
        incident = self._store.get(incident_id)
        if incident is None:
            return "That button does not name an incident marshal knows."
        if self.acknowledged(incident, user_id) is None:
            state = incident.escalation
            who = user(state.acked_by) if state and state.acked_by else "someone"
            return f"`{incident.id}` was already acknowledged by {who}."
        room = f" Join the war room: <#{incident.channel_id}>." if incident.channel_id else ""
        return f"Acknowledged `{incident.id}`; escalation stopped.{room}"

    def escalate(self, incident: Incident, user_id: str, reason: str) -> Incident:
        self._require(incident, user_id, "escalate")
        policy = self._escalation.rules.policy_for(incident)
        if incident.escalation is None:
            if policy is None:
                raise PagingRefused("no escalation policy applies to this incident")
            started = self._escalation.start_by_hand(incident)
            self._audit_escalation(started, user_id, reason, 0)
            return started
        state = incident.escalation
        named = self._escalation.rules.policies.named(state.policy)
        now = self._clock()
        step = state.next_step
        # A level being paged right now (its pages under way, or due and not held): "the next
        # level" is the one after it, which run_step pages as soon as this one is done.
        busy = _being_paged(state, now)
        target = step + 1 if busy else step
        if named is None or target >= named.step_count:
            raise PagingRefused("the escalation policy has no further level to page")

        def force(current: Incident) -> Incident | None:
            st = current.escalation
            if st is None or st.epoch != state.epoch:
                return None
            if st.next_step == target:
                moved = st.model_copy(update={"next_due": now, "forced_step": target})
            elif busy and st.next_step == step:
                moved = st.model_copy(update={"forced_step": target})
            else:
                return None
            return current.model_copy(update={"escalation": moved, "updated_at": now})

        applied = self._updates.apply(incident, force)
        if not applied.changed:
            raise PagingRefused("escalation moved on meanwhile; look at the room and try again")
        after = applied.after.escalation
        if after is not None and after.next_step == target:
            self._send(page_step(incident.id, state.epoch, target, due=now))
        self._audit_escalation(applied.after, user_id, reason, named.level_of(target))
        return applied.after

    def hold(self, incident: Incident, user_id: str, duration: str, reason: str) -> datetime:
        self._require(incident, user_id, "hold escalation")
        if not incident.is_open:
            raise PagingRefused(f"the incident is {incident.status.value}; nothing escalates")
        if not reason.strip():
            raise PagingRefused("say why: `escalation hold <duration> <reason>`")
        try:
            seconds = parse_duration(duration, maximum=self._escalation.rules.max_hold_seconds)
        except DurationError as exc:
            raise PagingRefused(str(exc)) from None
        now = self._clock()
        until = now + timedelta(seconds=seconds)
        stored = self._set_hold(incident, until, user_id, reason.strip())
        self._audit.append(
            stored.id,
            actor=user_id,
            action=AuditAction.ESCALATION_HELD,
            details={"user": user_id, "until": until.isoformat(), "reason": reason.strip()},
        )
        self._topic(
            stored, f"Escalation held until {until.strftime('%H:%M UTC')}: {reason.strip()}"
        )
        return until

    def resume(self, incident: Incident, user_id: str, reason: str = "") -> Incident:
        self._require(incident, user_id, "resume escalation")
        state = incident.escalation
        if state is None or not state.held_at(self._clock()):
            raise PagingRefused("escalation is not on hold")
        stored = self._set_hold(incident, None, None, None)
        self._audit.append(
            stored.id,
            actor=user_id,
            action=AuditAction.ESCALATION_RESUMED,
            details={"user": user_id, "reason": reason.strip() or None},
        )
        self._topic(stored, "Escalation resumed")
        return stored

    def max_hold(self) -> str:
        return describe_limit(self._escalation.rules.max_hold_seconds)

    # --- helpers ------------------------------------------------------------------------

    def _require(self, incident: Incident, user_id: str, action: str) -> None:
        self._permissions.require(
            self._permissions.may_change_severity(user_id, incident), user_id, action
        )

    def _set_hold(
        self, incident: Incident, until: datetime | None, by: str | None, reason: str | None
    ) -> Incident:
        now = self._clock()
        policy = self._escalation.rules.policy_for(incident)

        def change(current: Incident) -> Incident:
            if not current.is_open and until is not None:
                raise PagingRefused(f"the incident is {current.status.value}; nothing escalates")
            st = current.escalation or self._escalation.idle_state(current, policy)
            held = st.model_copy(update={"hold_until": until, "hold_by": by, "hold_reason": reason})
            return current.model_copy(update={"escalation": held, "updated_at": now})

        stored = self._updates.apply(incident, change).after
        self._escalation.changed(stored)
        return stored

    def _audit_escalation(self, incident: Incident, user_id: str, reason: str, level: int) -> None:
        self._audit.append(
            incident.id,
            actor=user_id,
            action=AuditAction.ESCALATED,
            details={
                "user": user_id,
                "reason": reason.strip() or None,
                "level": level,
                "by_hand": True,
            },
        )

    def _send(self, message: QueueMessage) -> None:
        try:
            self._queue.send(message)
        except BackendUnavailable as exc:
            raise PagingRefused(f"the queue is unavailable ({exc}); try again") from exc

    def _topic(self, incident: Incident, text: str) -> None:
        if not incident.channel_id:
            return
        line = f"{escape(incident.severity.value)} {escape(incident.title)} | {escape(text)}"
        try:
            self._slack.set_topic(incident.channel_id, line[:250])
            self._slack.post_message(incident.channel_id, f":pause_button: {escape(text)}.")
        except SlackCallFailed:
            pass  # the hold holds; the room not showing it is not worth failing the command


def _being_paged(state: EscalationState, now: datetime) -> bool:
    """The state's next step is being paged: some of its pages are recorded, or it is due
    (the timer has fired it or is about to) and neither held nor acknowledged."""
    prefix = f"{state.epoch}.{state.next_step}."
    if any(key.startswith(prefix) for key in state.sent):
        return True
    due = state.next_due is not None and state.next_due <= now
    return due and not state.acknowledged and not state.held_at(now)
