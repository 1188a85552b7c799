"""PrometheusMetrics: the Metrics port (bot/ports/metrics.py) as the Prometheus series marshal
exports on GET /metrics; one registry per process, not global."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.adapters.aws.call_count import AWS_CALLS

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_ASSEMBLY_BUCKETS = (0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60, 120)


class PrometheusMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(AWS_CALLS)  # the process's AWS round trips, for cost per request
        self.webhook_requests = Counter(
            "marshal_webhook_requests",
            "Webhook requests by source and HTTP status",
            ["source", "status"],
            registry=self.registry,
        )
        self.webhook_seconds = Histogram(
            "marshal_webhook_seconds",
            "Webhook handling time",
            ["source"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.incidents_opened = Counter(
            "marshal_incidents_opened",
            "Incidents opened, by source and severity",
            ["source", "severity"],
            registry=self.registry,
        )
        self.events_processed = Counter(
            "marshal_queue_events",
            "Queue events handled, by type and outcome",
            ["event_type", "outcome"],
            registry=self.registry,
        )
        self.assembly_seconds = Histogram(
            "marshal_war_room_assembly_seconds",
            "Alert received to war room assembled",
            ["severity"],
            buckets=_ASSEMBLY_BUCKETS,
            registry=self.registry,
        )
        self.slack_commands = Counter(
            "marshal_slack_commands",
            "Slash subcommands run, by name and outcome",
            ["subcommand", "outcome"],
            registry=self.registry,
        )

    # the Metrics port

    def webhook_handled(self, source: str, status: int, seconds: float) -> None:
        self.webhook_requests.labels(source, str(status)).inc()
        self.webhook_seconds.labels(source).observe(seconds)

    def incident_opened(self, source: str, severity: str) -> None:
        self.incidents_opened.labels(source, severity).inc()

    def war_room_assembled(self, severity: str, seconds: float) -> None:
        self.assembly_seconds.labels(severity).observe(seconds)

    def event_processed(self, event_type: str, outcome: str) -> None:
        self.events_processed.labels(event_type, outcome).inc()

    def command_run(self, subcommand: str, outcome: str) -> None:
        self.slack_commands.labels(subcommand, outcome).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


# The name wiring and the web app have always built; the port is bot.ports.metrics.Metrics.
Metrics = PrometheusMetrics
