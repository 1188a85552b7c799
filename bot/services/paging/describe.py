"""The incident card's paging line: where escalation stands, as Slack text (mrkdwn with
every outside piece escaped)."""

from __future__ import annotations

from bot.domain.models import Incident
from bot.services.slack_text import escape, user


def describe_escalation(incident: Incident) -> str:
    state = incident.escalation
    if state is None or (not state.pages and state.next_due is None and not state.hold_until):
        return "nobody paged"
    pages = [p for p in state.pages if p.epoch == state.epoch]
    parts = []
    if pages:
        last = pages[-1]
        level = f"level {last.level}" if last.level else "by hand"
        parts.append(
            f"{len(pages)} pages, last {level} `{escape(last.target)}` at "
            f"{last.at.strftime('%H:%M:%S UTC')}"
        )
    if state.acked_at is not None:
        via = f" via {escape(state.ack_via)}" if state.ack_via else ""
        parts.append(f"acknowledged by {user(state.acked_by)}{via} at "
                     f"{state.acked_at.strftime('%H:%M:%S UTC')}")  # fmt: skip
    elif state.hold_until is not None and incident.is_open:
        parts.append(f"escalation held until {state.hold_until.strftime('%H:%M UTC')}")
    elif state.next_due is not None and incident.is_open:
        parts.append(f"next level at {state.next_due.strftime('%H:%M:%S UTC')}")
    elif incident.is_open:
        parts.append("the policy's last level was paged")
    return "; ".join(parts) or "not paged yet"
