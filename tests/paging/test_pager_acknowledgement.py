"""The pager's own acknowledgement: PagerDuty's `incident.acknowledged` webhook for a page
marshal sent joins the marshal incident (its incident_key is our dedup_key) instead of
opening a second one, and stops escalation as an acknowledgement in Slack would."""

from __future__ import annotations

import json
from pathlib import Path

from bot.domain.audit import AuditAction
from bot.events.pager_acknowledged import with_pager_acknowledgement
from bot.ingest.reception import AlertReception
from bot.ingest.secrets import EnvSecretSource
from bot.ingest.sources.pagerduty import parse
from bot.observability.metrics import PrometheusMetrics
from bot.ports.queue import EventType, QueueMessage
from bot.services.intake import AlertIntake
from bot.settings import Settings
from tests.paging.conftest import PagingRig

FIXTURE = Path(__file__).parents[1] / "fixtures" / "webhooks" / "pagerduty_incident_triggered.json"


def _acknowledged_webhook(incident_key: str) -> bytes:
    body = json.loads(FIXTURE.read_text())
    body["event"]["id"] = "01ACKNOWLEDGEDEVENT0000001"
    body["event"]["event_type"] = "incident.acknowledged"
    body["event"]["data"]["status"] = "acknowledged"
    body["event"]["data"]["incident_key"] = incident_key
    return json.dumps(body).encode()


def test_pagerduty_acknowledging_our_page_stops_escalation(paging: PagingRig) -> None:
    processor = paging.processor()
    processor.escalation.start(paging.incident)
    [first] = processor.queue.receive(wait_seconds=0.1)
    processor.escalation.run_step(paging.incident.id, 0, 0)  # level 1 paged into PagerDuty
    processor.queue.ack(first)
    intake = AlertIntake(
        paging.store,
        processor.queue,
        paging.audit,
        PrometheusMetrics(),
        AlertReception(EnvSecretSource(Settings(_env_file=None))),
    )
    [alert] = parse(_acknowledged_webhook(paging.incident.id))
    accepted = intake.submit(alert)
    assert accepted is not None
    assert (accepted.incident.id, accepted.created) == (paging.incident.id, False)

    [delivery] = processor.queue.receive(wait_seconds=0.1)
    assert delivery.message.event_type == EventType.ALERT_RECEIVED.value
    seen: list[QueueMessage] = []
    handle = with_pager_acknowledgement(seen.append, processor.escalation)
    handle(delivery.message)
    assert seen == [delivery.message]  # the war room's own handling runs first
    state = paging.reload().escalation
    assert state is not None and (state.acked_by, state.ack_via) == ("pagerduty", "pagerduty")
    [acked] = paging.actions(AuditAction.PAGE_ACKNOWLEDGED)
    assert acked["via"] == "pagerduty"


def test_a_webhook_naming_no_incident_of_ours_opens_its_own(paging: PagingRig) -> None:
    processor = paging.processor()
    intake = AlertIntake(
        paging.store,
        processor.queue,
        paging.audit,
        PrometheusMetrics(),
        AlertReception(EnvSecretSource(Settings(_env_file=None))),
    )
    [alert] = parse(_acknowledged_webhook("b7f3c1d2e4a54c0f9d8e7a6b5c4d3e2f"))
    assert "marshal_incident" not in alert.labels
    accepted = intake.submit(alert)
    assert accepted is not None and accepted.created and accepted.incident.id != paging.incident.id
