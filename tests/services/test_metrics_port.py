"""The Metrics port: services count in domain words; the Prometheus adapter exports them."""

from __future__ import annotations

import pytest

from bot.observability.metrics import PrometheusMetrics
from bot.ports.metrics import Metrics


def exported(metrics: PrometheusMetrics) -> str:
    return metrics.render().decode()


def test_each_port_call_lands_in_its_prometheus_series() -> None:
    prometheus = PrometheusMetrics()
    metrics: Metrics = prometheus  # the adapter is the port, checked by mypy

    metrics.webhook_handled("generic", 202, 0.02)
    metrics.incident_opened("generic", "P1")
    metrics.war_room_assembled("P1", 3.5)
    metrics.event_processed("incident.triggered", "ok")
    metrics.command_run("ack", "ok")

    text = exported(prometheus)
    assert 'marshal_webhook_requests_total{source="generic",status="202"} 1.0' in text
    assert 'marshal_webhook_seconds_count{source="generic"} 1.0' in text
    assert 'marshal_incidents_opened_total{severity="P1",source="generic"} 1.0' in text
    assert 'marshal_war_room_assembly_seconds_sum{severity="P1"} 3.5' in text
    assert 'marshal_queue_events_total{event_type="incident.triggered",outcome="ok"} 1.0' in text
    assert 'marshal_slack_commands_total{outcome="ok",subcommand="ack"} 1.0' in text


@pytest.mark.parametrize("module", ["bot.services.intake", "bot.services.war_room.assembler"])
def test_services_depend_on_the_port_not_on_prometheus(module: str) -> None:
    source = __import__(module, fromlist=["_"]).__file__
    assert source is not None
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    assert "from bot.ports.metrics import Metrics" in text
    assert "bot.observability" not in text and "prometheus" not in text.lower()
