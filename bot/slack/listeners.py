"""Bolt listeners: glue that acks, turns Slack payloads into marshal calls, and answers.

The slash command listener acks within Slack's 3 seconds however slow the subcommand:
the subcommand runs in a worker thread; finished within `ack_wait_seconds`, its reply is
the ack; otherwise the ack says "Working on it…" and the reply follows via response_url.
"""

from __future__ import annotations

import logging
from concurrent.futures import Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from slack_bolt import Ack, Respond

from bot.commands.base import CommandReply
from bot.commands.registry import CommandRegistry
from bot.domain.errors import MarshalError
from bot.services.slack_text import escape
from bot.services.timeline_capture import Reaction, TimelineCapture
from bot.slack.actions import ActionInvocation, ActionRoute, ViewRoute, ViewSubmission
from bot.slack.blocks.render import render_message

log = logging.getLogger(__name__)

WORKING = "Working on it…"


def _reply_args(reply: CommandReply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "blocks": render_message(reply.view).blocks if reply.view is not None else None,
        "response_type": "in_channel" if reply.in_channel else "ephemeral",
    }


class SlashCommandListener:
    def __init__(
        self, registry: CommandRegistry, executor: Executor, *, ack_wait_seconds: float = 2.0
    ) -> None:
        self._registry = registry
        self._executor = executor
        self._wait = ack_wait_seconds

    def handle(self, ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        future = self._executor.submit(
            self._registry.dispatch,
            str(command.get("user_id", "")),
            str(command.get("channel_id", "")),
            str(command.get("text") or ""),
            channel_name=str(command.get("channel_name") or ""),
        )
        try:
            reply = self._outcome(future, timeout=self._wait)
        except FutureTimeout:
            ack(text=WORKING, response_type="ephemeral")
            respond(**_reply_args(self._outcome(future, timeout=None)))
            return
        ack(**_reply_args(reply))

    def _outcome(self, future: Future[CommandReply], *, timeout: float | None) -> CommandReply:
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            raise
        except MarshalError as exc:
            # the registry answers for subcommands; this is the store or audit log failing
            log.warning("command could not run", extra={"error": str(exc)})
            return CommandReply.failed(
                f"marshal could not run that command right now: {escape(exc)}"
            )
        except Exception:
            log.exception("command dispatch crashed")
            return CommandReply.failed("marshal failed to run that command; see its logs.")


class ActionListener:
    def __init__(self, route: ActionRoute) -> None:
        self._route = route

    def handle(
        self, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        invocation = ActionInvocation(
            action_id=str(action.get("action_id", "")),
            # a button's value, or the chosen option of a menu (the checklist's)
            value=str(
                action.get("value") or (action.get("selected_option") or {}).get("value") or ""
            ),
            user_id=str((body.get("user") or {}).get("id", "")),
            channel_id=(body.get("channel") or {}).get("id"),
            message_ts=(body.get("message") or {}).get("ts"),
            trigger_id=body.get("trigger_id"),
        )
        reply = self._route.handle(invocation)
        if reply:
            respond(text=reply, response_type="ephemeral", replace_original=False)


class ViewListener:
    def __init__(self, route: ViewRoute) -> None:
        self._route = route

    def handle(self, ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        submission = ViewSubmission(
            callback_id=str(view.get("callback_id", "")),
            user_id=str((body.get("user") or {}).get("id", "")),
            private_metadata=str(view.get("private_metadata") or ""),
            values=(view.get("state") or {}).get("values") or {},
        )
        errors = self._route.handle(submission)
        if errors:
            ack(response_action="errors", errors=errors)
        else:
            ack()


class ReactionListener:
    def __init__(self, capture: TimelineCapture) -> None:
        self._capture = capture

    def added(self, event: dict[str, Any]) -> None:
        reaction = _reaction(event)
        if reaction:
            self._capture.added(reaction)

    def removed(self, event: dict[str, Any]) -> None:
        reaction = _reaction(event)
        if reaction:
            self._capture.removed(reaction)


def _reaction(event: dict[str, Any]) -> Reaction | None:
    item = event.get("item") or {}
    if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
        return None
    return Reaction(
        user_id=str(event.get("user", "")),
        reaction=str(event.get("reaction", "")),
        channel_id=str(item["channel"]),
        message_ts=str(item["ts"]),
        message_author=event.get("item_user"),
    )
