"""start_slack: build the gateway, commands and Bolt app from settings and connect them.

The one call `marshal up` / `marshal processor` make; returns a RunningSlack to stop later.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.error import URLError

from pydantic import SecretStr
from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.catalog import build_command_registry
from bot.commands.declare import SubmitAlert
from bot.commands.registry import CommandRegistry
from bot.domain.errors import BackendUnavailable, ConfigurationError
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore
from bot.services.nudges.silence import NudgeSilence
from bot.services.permissions import IncidentPermissions
from bot.services.resolution.starter import ResolutionStarter
from bot.services.timeline_capture import TimelineCapture
from bot.services.war_room.checklist import ChecklistService
from bot.services.war_room.room_commands import Assembler
from bot.settings import Settings
from bot.slack.actions import ActionRoute, ViewRoute
from bot.slack.app import SlackAppDependencies, build_bolt_app
from bot.slack.dedup import DeliveryDedup
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from bot.slack.socket import SocketModeRunner
from bot.slack.status_review import StatusPageReview
from bot.wiring.status_page import build_status_page_gate


@dataclass
class RunningSlack:
    gateway: WebClientSlackGateway
    app: App
    registry: CommandRegistry
    runner: SocketModeRunner
    _executor: ThreadPoolExecutor
    status_review: StatusPageReview | None = None  # the resolve flow drafts through it

    def stop(self) -> None:
        self.runner.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)


def start_slack(
    settings: Settings,
    store: IncidentStore,
    audit: AuditLog,
    submit_alert: SubmitAlert,
    *,
    bot_token: str | None = None,
    app_token: str | None = None,
    api_url: str | None = None,
    web_client: WebClient | None = None,
    actions: Sequence[ActionRoute] = (),
    views: Sequence[ViewRoute] = (),
    silence: NudgeSilence | None = None,
    assembler: Assembler | None = None,
    checklist: ChecklistService | None = None,
    resolution: ResolutionStarter | None = None,
) -> RunningSlack:
    """Connect to Slack (or the sandbox: pass its tokens and api_url) and start listening.
    Pass `web_client` to share the one the war-room services already use."""
    app_level = app_token or _secret(settings.slack_app_token, "SLACK_APP_TOKEN")
    if web_client is None:
        bot = bot_token or _secret(settings.slack_bot_token, "SLACK_BOT_TOKEN")
        web_client = build_web_client(bot, api_url or settings.slack_api_url)
    gateway = WebClientSlackGateway(web_client)
    permissions = IncidentPermissions(settings.marshal_approvers, gateway)
    gate = build_status_page_gate(settings, store, audit, permissions.may_approve)
    review = StatusPageReview(gate, gateway)
    review_actions, review_views = review.routes()
    registry = build_command_registry(
        store=store,
        audit=audit,
        slack=gateway,
        permissions=permissions,
        submit_alert=submit_alert,
        command=settings.marshal_command,
        status_drafting=review,
        silence=silence,
        assembler=assembler,
        checklist=checklist,
        resolution=resolution,
    )
    dedup = DeliveryDedup(store, owner=f"{socket.gethostname()}:{os.getpid()}")
    executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="marshal-command")
    with _slack_refusals(web_client.base_url, "SLACK_BOT_TOKEN", executor):
        app = build_bolt_app(
            SlackAppDependencies(
                command=settings.marshal_command,
                web_client=web_client,
                registry=registry,
                timeline_capture=TimelineCapture(
                    store, audit, gateway, reaction=settings.marshal_timeline_reaction
                ),
                dedup=dedup,
                command_executor=executor,
                actions=(*actions, *review_actions),
                views=(*views, *review_views),
            )
        )
    runner = SocketModeRunner(app, app_level, web_client=web_client, dedup=dedup)
    with _slack_refusals(web_client.base_url, "SLACK_APP_TOKEN", executor):
        runner.start()
    return RunningSlack(gateway, app, registry, runner, executor, review)


@contextmanager
def _slack_refusals(api_url: str, token_name: str, executor: ThreadPoolExecutor) -> Iterator[None]:
    """Start-up failures become one line naming what to fix, not a Bolt traceback."""
    try:
        yield
    except (BoltError, SlackApiError) as exc:
        executor.shutdown(wait=False)
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc)
        raise ConfigurationError(
            f"{token_name} was refused by Slack at {api_url}: {error}"
        ) from exc
    except (URLError, OSError) as exc:
        executor.shutdown(wait=False)
        raise BackendUnavailable(f"cannot reach Slack at {api_url} (SLACK_API_URL): {exc}") from exc


def _secret(value: SecretStr | None, name: str) -> str:
    if value is None or not value.get_secret_value():
        raise ConfigurationError(f"{name} is required to connect to Slack")
    return value.get_secret_value()
