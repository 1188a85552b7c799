"""ALERT_RECEIVED, with the pager's own acknowledgement: when the alert is PagerDuty's
`incident.acknowledged` (for an incident that came from PagerDuty, or for a page marshal
sent there), escalation stops as if acknowledged in Slack, after the usual handling."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.escalation import TargetKind
from bot.ports.queue import QueueMessage
from bot.services.paging.escalation import Escalation

ACKNOWLEDGED_EVENTS = frozenset({"incident.acknowledged"})


def with_pager_acknowledgement(
    on_alert: Callable[[QueueMessage], None], escalation: Escalation
) -> Callable[[QueueMessage], None]:
    def handle(message: QueueMessage) -> None:
        on_alert(message)
        if message.payload.get("vendor_event") in ACKNOWLEDGED_EVENTS:
            escalation.acknowledge(
                message.incident_id, TargetKind.PAGERDUTY.value, via=TargetKind.PAGERDUTY.value
            )

    return handle
