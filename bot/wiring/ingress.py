"""Ingress: the webhook server and the outbox relay that backs its never-lost promise."""

from __future__ import annotations

from bot.ingest.reception import AlertReception
from bot.ingest.severity_map import SeverityMap
from bot.ports.alert_ledger import ResendsReadAtOnce, SettledResends
from bot.services.intake import AlertIntake
from bot.services.outbox_relay import OutboxRelay
from bot.settings import Settings
from bot.web.app import build_web_app
from bot.web.dependencies import WebDependencies
from bot.web.server import ServerLimits, WebServer
from bot.wiring.alert_ledgers import build_alert_ledger, records_together
from bot.wiring.backends import Backends
from bot.wiring.console import build_console_app
from bot.wiring.listen import Listeners
from bot.wiring.operator_api import WriteSide, build_operator_api
from bot.wiring.process import ProcessGroup
from bot.wiring.secrets import build_secret_source


def build_intake(
    settings: Settings, backends: Backends, group: ProcessGroup | None = None
) -> AlertIntake:
    severities = SeverityMap.from_text(settings.marshal_severity_map)
    reception = AlertReception(build_secret_source(settings), severities)
    ledger, marks = build_alert_ledger(group or ProcessGroup(), backends)
    return AlertIntake(
        backends.store,
        backends.queue,
        backends.audit,
        backends.metrics,
        reception,
        ledger=ledger,
        marks=marks,
        resends=ledger if isinstance(ledger, SettledResends) else None,
        at_once=ledger if isinstance(ledger, ResendsReadAtOnce) else None,
        # Secrets Manager may be read on a cache miss: then nothing runs on the event loop
        screens=settings.marshal_secrets == "env",
        together=records_together(ledger),
    )


def start_outbox_relay(group: ProcessGroup, backends: Backends) -> None:
    relay = OutboxRelay(backends.store, backends.queue)
    relay.start()
    group.started("outbox-relay", relay.stop)


def start_web(
    group: ProcessGroup,
    settings: Settings,
    backends: Backends,
    *,
    listeners: Listeners | None = None,
    room_link: str | None = None,
    writes: WriteSide | None = None,
) -> WebServer:
    """The web server: webhooks, health, metrics, the console (`room_link` + a channel id
    opens a room; the sandbox's page when it is the Slack) and the operator API (writes
    too with `writes`, this process's Slack side)."""
    app = build_web_app(
        WebDependencies(
            metrics=backends.metrics,
            readiness=backends.readiness(),
            intake=build_intake(settings, backends, group),
            max_body_bytes=settings.marshal_max_body_bytes,
            threads=settings.marshal_http_threads,
            read_timeout_seconds=settings.marshal_http_read_timeout_seconds,
            console=build_console_app(settings, backends, room_link=room_link, writes=writes),
            api=build_operator_api(
                settings, backends.store, backends.audit, backends.queue, writes
            ),
        )
    )
    limits = ServerLimits(
        max_connections=settings.marshal_http_max_connections,
        keep_alive_seconds=settings.marshal_http_keep_alive_seconds,
        read_timeout_seconds=settings.marshal_http_read_timeout_seconds,
    )
    server = WebServer(
        app,
        settings.marshal_http_host,
        settings.marshal_http_port,
        limits,
        sock=listeners.web if listeners else None,
    )
    server.start()
    group.started("web", server.stop)
    return server
