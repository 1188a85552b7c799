"""build_bolt_app: the Bolt App for marshal, built in a factory from explicit dependencies.

No module-level App: registrations happen here, by the method form, from the settings'
root command and the given action routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field

from slack_bolt import App
from slack_sdk import WebClient

from bot.commands.registry import CommandRegistry
from bot.services.timeline_capture import TimelineCapture
from bot.slack.actions import ActionInvocation, ActionRoute, ViewRoute
from bot.slack.dedup import DeliveryDedup, EventDedupMiddleware
from bot.slack.listeners import (
    ActionListener,
    ReactionListener,
    SlashCommandListener,
    ViewListener,
)
from bot.slack.vocabulary import ActionId


@dataclass(frozen=True)
class SlackAppDependencies:
    command: str  # settings.marshal_command, e.g. "/marshal"
    web_client: WebClient
    registry: CommandRegistry
    timeline_capture: TimelineCapture
    dedup: DeliveryDedup
    command_executor: Executor
    actions: Sequence[ActionRoute] = field(default_factory=tuple)
    views: Sequence[ViewRoute] = field(default_factory=tuple)
    token_verification: bool = True
    ack_wait_seconds: float = 2.0


def acknowledge_route(registry: CommandRegistry) -> ActionRoute:
    """The Acknowledge button runs the same `ack` subcommand, audited the same way."""

    def acknowledge(action: ActionInvocation) -> str:
        return registry.dispatch(action.user_id, action.channel_id or "", "ack").text

    return ActionRoute(ActionId.ACKNOWLEDGE, acknowledge)


def build_bolt_app(deps: SlackAppDependencies) -> App:
    app = App(
        name="marshal",
        client=deps.web_client,
        token_verification_enabled=deps.token_verification,
        # Socket Mode carries no HTTP signature; the app token authenticates the socket.
        request_verification_enabled=False,
    )
    app.use(EventDedupMiddleware(deps.dedup))

    commands = SlashCommandListener(
        deps.registry, deps.command_executor, ack_wait_seconds=deps.ack_wait_seconds
    )
    app.command(deps.command)(commands.handle)

    for route in (acknowledge_route(deps.registry), *deps.actions):
        app.action(route.action_id.value)(ActionListener(route).handle)
    for view in deps.views:
        app.view(view.callback_id.value)(ViewListener(view).handle)

    reactions = ReactionListener(deps.timeline_capture)
    app.event("reaction_added")(reactions.added)
    app.event("reaction_removed")(reactions.removed)
    return app
