"""`marshal mcp`'s parts: the operator services over the backends, and with --allow-writes
a command registry over this process's own Slack side (SLACK_BOT_TOKEN / SLACK_API_URL), so
the write tools run the very subcommands Slack runs."""

from __future__ import annotations

from bot.commands.catalog import build_command_registry
from bot.domain.errors import ConfigurationError
from bot.mcp.server import current_caller
from bot.mcp.tools import OperatorTools
from bot.services.operator.incident_detail import IncidentDetailReader
from bot.services.operator.incident_queue import IncidentQueue
from bot.services.operator.similar import SimilarIncidents
from bot.settings import Settings
from bot.slack.gateway import build_web_client
from bot.wiring.backends import Backends
from bot.wiring.ingress import build_intake
from bot.wiring.operator_api import WriteSide, operator_commands
from bot.wiring.processor import declare_with
from bot.wiring.slack import build_slack_side
from bot.wiring.status_page import build_draft_store


def writing_side(settings: Settings, backends: Backends) -> WriteSide:
    if settings.slack_bot_token is None:
        raise ConfigurationError(
            "--allow-writes needs SLACK_BOT_TOKEN (and SLACK_API_URL for the sandbox): the "
            "write tools run marshal's Slack commands in the incident's room"
        )
    client = build_web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    side = build_slack_side(settings, backends.store, backends.audit, client)
    registry = build_command_registry(
        store=backends.store,
        audit=backends.audit,
        slack=side.gateway,
        permissions=side.permissions,
        submit_alert=declare_with(build_intake(settings, backends)),
        command=settings.marshal_command,
        status_drafting=side.drafting,
    )
    return WriteSide(registry, side.gateway)


def build_operator_tools(
    settings: Settings, backends: Backends, *, allow_writes: bool
) -> OperatorTools:
    store, audit = backends.store, backends.audit
    writes = writing_side(settings, backends) if allow_writes else None
    return OperatorTools(
        queue=IncidentQueue(store),
        reader=IncidentDetailReader(store, audit, build_draft_store(settings)),
        similar=SimilarIncidents(store),
        commands=operator_commands(store, audit, writes),
        caller=current_caller,
    )
