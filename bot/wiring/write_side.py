"""A WriteSide for a process that runs no Bolt app (`marshal webhook`, `marshal mcp
--allow-writes`): its own Slack gateway over SLACK_BOT_TOKEN / SLACK_API_URL and a command
registry over it, so the operator writes run the very subcommands Slack runs. Resolving
queues INCIDENT_RESOLVED as in Slack; a processor runs the slow steps."""

from __future__ import annotations

from bot.commands.catalog import build_command_registry
from bot.domain.errors import ConfigurationError
from bot.services.followups.desk import FollowUpDesk
from bot.services.resolution.starter import ResolutionStarter
from bot.settings import Settings
from bot.slack.gateway import build_web_client
from bot.wiring.backends import Backends
from bot.wiring.followups import build_followup_store
from bot.wiring.ingress import build_intake
from bot.wiring.operator_api import WriteSide
from bot.wiring.processor import declare_with
from bot.wiring.slack import build_slack_side


def writing_side(settings: Settings, backends: Backends) -> WriteSide:
    if settings.slack_bot_token is None:
        raise ConfigurationError(
            "operator writes need SLACK_BOT_TOKEN (and SLACK_API_URL for the sandbox): they "
            "run marshal's Slack commands in the incident's room"
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
        followups=FollowUpDesk(
            build_followup_store(settings),
            backends.store,
            backends.audit,
            side.permissions,
            incident_of=backends.store.get,
        ),
        # resolving writes the state and queues INCIDENT_RESOLVED; a processor runs the rest
        resolution=ResolutionStarter(
            backends.store,
            backends.audit,
            backends.queue,
            archive_on_resolve=settings.marshal_archive_on_resolve,
        ),
    )
    return WriteSide(registry)
