"""start_slack: build the Bolt app from ready-built routes and connect it over Socket Mode.

Everything the app answers with (the command registry, the action and view routes, the
reaction capture) is built once by the processor's wiring (bot/wiring/slack.py) and
handed in; this module only owns the Bolt app, its command threads and the socket.
Returns a RunningSlack to stop later.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.error import URLError

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands.registry import CommandRegistry
from bot.domain.errors import BackendUnavailable, ConfigurationError
from bot.services.timeline_capture import TimelineCapture
from bot.slack.actions import ActionRoute, ViewRoute
from bot.slack.app import SlackAppDependencies, build_bolt_app
from bot.slack.dedup import DeliveryDedup
from bot.slack.socket import SocketModeRunner


@dataclass(frozen=True)
class SlackRoutes:
    """What the Bolt app answers: the root command, buttons, modals and reactions."""

    command: str  # settings.marshal_command, e.g. "/marshal"
    registry: CommandRegistry
    timeline_capture: TimelineCapture
    actions: Sequence[ActionRoute] = field(default_factory=tuple)
    views: Sequence[ViewRoute] = field(default_factory=tuple)


@dataclass
class RunningSlack:
    app: App
    registry: CommandRegistry
    runner: SocketModeRunner
    _executor: ThreadPoolExecutor

    def stop(self) -> None:
        self.runner.stop()
        self._executor.shutdown(wait=False, cancel_futures=True)


def start_slack(
    web_client: WebClient, app_token: str, routes: SlackRoutes, dedup: DeliveryDedup
) -> RunningSlack:
    """Connect to Slack (or the sandbox, when `web_client` points at it) and start listening."""
    executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="marshal-command")
    with _slack_refusals(web_client.base_url, "SLACK_BOT_TOKEN", executor):
        app = build_bolt_app(
            SlackAppDependencies(
                command=routes.command,
                web_client=web_client,
                registry=routes.registry,
                timeline_capture=routes.timeline_capture,
                dedup=dedup,
                command_executor=executor,
                actions=routes.actions,
                views=routes.views,
            )
        )
    runner = SocketModeRunner(app, app_token, web_client=web_client, dedup=dedup)
    with _slack_refusals(web_client.base_url, "SLACK_APP_TOKEN", executor):
        runner.start()
    return RunningSlack(app, routes.registry, runner, executor)


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
