"""Which Slack the processor talks to: the real one (tokens from the environment or Secrets
Manager) or the local sandbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pydantic import SecretStr

from bot.domain.errors import ConfigurationError
from bot.sandbox.server import SandboxSlack
from bot.sandbox.state_file import FILE_NAME as SANDBOX_STATE_FILE
from bot.sandbox.status_page import API_KEY as SANDBOX_STATUSPAGE_KEY
from bot.sandbox.status_page import PAGE_ID as SANDBOX_STATUSPAGE_PAGE
from bot.settings import Settings
from bot.wiring.listen import Listeners
from bot.wiring.process import ProcessGroup
from bot.wiring.secrets import slack_tokens_from_secrets_manager

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackTarget:
    bot_token: str
    app_token: str
    api_url: str
    sandbox_url: str | None = None
    statuspage_url: str | None = None  # the sandbox's status page API, when it serves one

    @property
    def public_page_url(self) -> str | None:
        """The sandbox status page a person reads, when marshal publishes there."""
        return f"{self.sandbox_url}/status" if self.statuspage_url else None


def with_sandbox_status_page(settings: Settings, target: SlackTarget) -> Settings:
    """On the sandbox with no STATUSPAGE_* set, publish to the sandbox's status page, so draft ->
    approve -> public post works locally; a configured status page is always used as is."""
    if target.statuspage_url is None or settings.statuspage_api_key is not None:
        return settings
    return settings.model_copy(
        update={
            "statuspage_api_url": target.statuspage_url,
            "statuspage_api_key": SecretStr(SANDBOX_STATUSPAGE_KEY),
            "statuspage_page_id": SANDBOX_STATUSPAGE_PAGE,
        }
    )


def start_slack_target(
    group: ProcessGroup, settings: Settings, listeners: Listeners | None = None
) -> SlackTarget:
    """`listeners`: the sandbox's port, when it listens, was bound before start-up."""
    if settings.slack_tokens_from_secrets_manager:
        tokens = slack_tokens_from_secrets_manager(settings)
        return SlackTarget(tokens.bot_token, tokens.app_token, settings.slack_api_url)
    if not settings.uses_sandbox:
        if settings.slack_bot_token is None or settings.slack_app_token is None:
            raise ConfigurationError("SLACK_BOT_TOKEN and SLACK_APP_TOKEN are required")
        return SlackTarget(
            settings.slack_bot_token.get_secret_value(),
            settings.slack_app_token.get_secret_value(),
            settings.slack_api_url,
        )
    # Beside the store, so a restart finds the rooms its incidents point at (and ids go on).
    state_path = settings.marshal_db_path.parent / SANDBOX_STATE_FILE
    sandbox = SandboxSlack(
        settings.marshal_sandbox_host,
        settings.marshal_sandbox_port,
        state_path=state_path,
        sock=listeners.sandbox if listeners else None,
    ).start()
    group.started("sandbox-slack", sandbox.stop)
    log.info(
        "sandbox Slack started",
        extra={"url": sandbox.url, "state": str(state_path), "restored": sandbox.restored},
    )
    return SlackTarget(
        sandbox.bot_token,
        sandbox.app_token,
        sandbox.api_url,
        sandbox.url,
        statuspage_url=sandbox.status_page.api_url,
    )
