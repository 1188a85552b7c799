"""The control API: what a person does in Slack, as JSON over HTTP, for tests, drills and the page.

Not Slack's API. `POST /control/command` runs a slash command as a user, `/control/action`
presses a button on a stored message, `/control/view_submission` submits an open modal,
`/control/reaction` reacts to a message, `/control/message` posts as a user, `/control/users`
adds a user; `GET /control/state`, `/control/calls` and `/control/deliveries` read back what
happened; `POST /control/reset` restores the default workspace.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.sandbox import payloads
from bot.sandbox.call_log import REPLY_ACK, CallLog
from bot.sandbox.escaping import escape_command_text
from bot.sandbox.records import BOT_USER_ID, ResponseTarget, SlackError, User
from bot.sandbox.response_url import apply_response
from bot.sandbox.socket_mode import Delivery, NoSocketConnection, SocketModeHub
from bot.sandbox.workspace import Workspace

DEFAULT_COMMAND = "/marshal"
_NOT_FOUND = frozenset(
    {
        "channel_not_found",
        "user_not_found",
        "message_not_found",
        "action_not_found",
        "not_found",
    }
)


class ControlError(Exception):
    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise ControlError(400, "invalid_json") from None
    if not isinstance(body, dict):
        raise ControlError(400, "invalid_json")
    return body


def _field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ControlError(400, f"missing_{name}")
    return value


def _delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "envelope_id": delivery.envelope_id,
        "acked": delivery.acked,
        "ack_ms": delivery.ack_ms,
        "ack_payload": delivery.ack_payload,
    }


class ControlApi:
    def __init__(
        self,
        *,
        workspace: Callable[[], Workspace],
        hub: SocketModeHub,
        calls: CallLog,
        reset: Callable[[], None],
    ) -> None:
        self._workspace = workspace
        self._hub = hub
        self._calls = calls
        self._reset = reset

    def routes(self) -> list[Route]:
        post = ["POST"]
        return [
            Route("/control/command", self._guard(self.command), methods=post),
            Route("/control/action", self._guard(self.action), methods=post),
            Route("/control/view_submission", self._guard(self.view_submission), methods=post),
            Route("/control/reaction", self._guard(self.reaction), methods=post),
            Route("/control/message", self._guard(self.message), methods=post),
            Route("/control/users", self._guard(self.add_user), methods=post),
            Route("/control/reset", self._guard(self.reset), methods=post),
            Route("/control/state", self._guard(self.state)),
            Route("/control/calls", self._guard(self.calls)),
            Route("/control/deliveries", self._guard(self.deliveries)),
        ]

    def _guard(self, handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> JSONResponse:
            try:
                status, body = await handler(request)
            except ControlError as exc:
                status, body = exc.status, {"ok": False, "error": exc.error}
            except SlackError as exc:
                status = 404 if exc.error in _NOT_FOUND else 400
                body = {"ok": False, "error": exc.error}
            except NoSocketConnection:
                status, body = 503, {"ok": False, "error": "no_socket_connection"}
            return JSONResponse(body, status_code=status)

        return endpoint

    async def command(self, request: Request) -> tuple[int, dict[str, Any]]:
        body = await _body(request)
        workspace = self._workspace()
        user = workspace.user(_field(body, "user"))
        channel = workspace.channel(_field(body, "channel"))
        if channel.is_archived:
            # Slack's client will not send a command from an archived channel.
            raise SlackError("is_archived")
        payload = payloads.slash_command(
            workspace,
            user_id=user.id,
            channel_id=channel.id,
            command=str(body.get("command") or DEFAULT_COMMAND),
            text=escape_command_text(workspace, str(body.get("text", ""))),
        )
        refused: list[SlackError] = []

        def reply(ack: dict[str, Any] | None) -> None:
            # Slack shows a slash command's ack body as the command's immediate reply.
            if ack and (ack.get("text") or ack.get("blocks")):
                self._calls.reply(REPLY_ACK, ack)
                target = ResponseTarget(channel.id, user.id, ephemeral=True)
                try:
                    apply_response(workspace, target, ack)
                except SlackError as exc:
                    refused.append(exc)

        delivery = await self._hub.deliver(
            "slash_commands", payload, accepts_response_payload=True, on_ack=reply
        )
        if refused:
            raise refused[0]
        result = _delivery_json(delivery)
        result.update(
            ok=delivery.acked,
            response_url=payload["response_url"],
            trigger_id=payload["trigger_id"],
        )
        return 200, result

    async def action(self, request: Request) -> tuple[int, dict[str, Any]]:
        body = await _body(request)
        workspace = self._workspace()
        value = body.get("value")
        payload = payloads.block_actions(
            workspace,
            user_id=workspace.user(_field(body, "user")).id,
            channel_id=_field(body, "channel"),
            message_ts=_field(body, "message_ts"),
            action_id=_field(body, "action_id"),
            value=None if value is None else str(value),
        )
        delivery = await self._hub.deliver("interactive", payload, accepts_response_payload=False)
        result = _delivery_json(delivery)
        result.update(ok=delivery.acked, response_url=payload["response_url"])
        return 200, result

    async def view_submission(self, request: Request) -> tuple[int, dict[str, Any]]:
        body = await _body(request)
        workspace = self._workspace()
        view_id = _field(body, "view_id")
        values = body.get("values") or {}
        if not isinstance(values, dict):
            raise ControlError(400, "invalid_values")
        payload = payloads.view_submission(
            workspace, user_id=_field(body, "user"), view_id=view_id, values=values
        )
        delivery = await self._hub.deliver("interactive", payload, accepts_response_payload=True)
        ack = delivery.ack_payload or {}
        if ack:
            self._calls.reply(REPLY_ACK, ack)
        if ack.get("response_action") == "update" and isinstance(ack.get("view"), dict):
            workspace.update_view(ack["view"], view_id=view_id, external_id=None, hash_=None)
        elif delivery.acked and ack.get("response_action") not in ("errors", "push"):
            workspace.close_view(view_id)  # a plain ack (or "clear") closes the modal in Slack
        result = _delivery_json(delivery)
        result.update(ok=delivery.acked, errors=ack.get("errors"))
        return 200, result

    async def reaction(self, request: Request) -> tuple[int, dict[str, Any]]:
        body = await _body(request)
        workspace = self._workspace()
        user_id = workspace.user(_field(body, "user")).id
        channel_id, ts = _field(body, "channel"), _field(body, "ts")
        name = _field(body, "name").strip(":")
        removed = bool(body.get("removed", False))
        message = workspace.react(channel_id, ts, name, actor=user_id, remove=removed)
        if BOT_USER_ID not in workspace.channel(channel_id).members:
            # Slack only sends events for conversations the app is in.
            return 200, {"ok": True, "delivered": False}
        event = payloads.reaction_event(
            user_id=user_id,
            name=name,
            channel_id=channel_id,
            ts=ts,
            item_user=message.user,
            removed=removed,
        )
        delivery = await self._hub.deliver("events_api", event, accepts_response_payload=False)
        result = _delivery_json(delivery)
        result.update(ok=True, delivered=True, event_id=event["event_id"])
        return 200, result

    async def message(self, request: Request) -> tuple[int, dict[str, Any]]:
        body = await _body(request)
        workspace = self._workspace()
        user_id = workspace.user(_field(body, "user")).id
        message = workspace.post_message(
            _field(body, "channel"),
            author=user_id,
            text=_field(body, "text"),
            thread_ts=body.get("thread_ts") or None,
        )
        return 200, {"ok": True, "ts": message.ts, "message": message.to_api()}

    async def add_user(self, request: Request) -> tuple[int, dict[str, Any]]:
        body = await _body(request)
        email = body.get("email")
        user = User(
            id=_field(body, "id"),
            name=_field(body, "name"),
            email=str(email) if email else None,
            real_name=str(body.get("real_name") or ""),
        )
        self._workspace().add_user(user)
        return 201, {"ok": True, "user": user.to_api()}

    async def reset(self, request: Request) -> tuple[int, dict[str, Any]]:
        self._reset()
        return 200, {"ok": True}

    async def state(self, request: Request) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, **self._workspace().snapshot()}

    async def calls(self, request: Request) -> tuple[int, dict[str, Any]]:
        method = request.query_params.get("method")
        return 200, {"ok": True, "calls": [c.to_json() for c in self._calls.calls(method)]}

    async def deliveries(self, request: Request) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "deliveries": [d.to_json() for d in self._hub.deliveries()]}
