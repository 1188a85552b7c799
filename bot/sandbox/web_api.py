"""The Web API over HTTP: `/api/<method>` with form or JSON bodies and bearer-token auth.

Owns what wraps every method handler: argument parsing, token checks (`not_authed`,
`invalid_auth`, `not_allowed_token_type`), armed faults (latency, 429 with Retry-After, 5xx),
and the call log. Replies use HTTP 200 with `ok: false` for Slack errors, as Slack does.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.sandbox.call_log import ApiCall, CallLog
from bot.sandbox.faults import Faults
from bot.sandbox.methods import APP_TOKEN_METHODS, METHODS, Args, CallContext
from bot.sandbox.records import SlackError
from bot.sandbox.socket_mode import SocketModeHub
from bot.sandbox.workspace import Workspace


@dataclass(frozen=True)
class Tokens:
    bot: str
    app: str


async def read_args(request: Request) -> dict[str, Any]:
    """Query string plus a JSON or form body, the ways slack_sdk sends arguments."""
    values: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        raw = await request.body()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(body, dict):
            raise SlackError("invalid_json")
        values.update(body)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        # Parsed here rather than by Starlette, whose form parser needs python-multipart.
        form = (await request.body()).decode("utf-8", errors="replace")
        values.update(parse_qsl(form, keep_blank_values=True))
    return values


def _bearer(request: Request, args: dict[str, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    token = args.get("token")
    return str(token) if token else None


class WebApi:
    def __init__(
        self,
        *,
        workspace: Callable[[], Workspace],
        hub: SocketModeHub,
        faults: Faults,
        calls: CallLog,
        tokens: Tokens,
        ws_base: Callable[[], str],
    ) -> None:
        self._workspace = workspace
        self._hub = hub
        self._faults = faults
        self._calls = calls
        self._tokens = tokens
        self._ws_base = ws_base

    async def endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        arrived = time.time()
        latency = self._faults.latency_for(method)
        if latency:
            await asyncio.sleep(latency)
        args: dict[str, Any] = {}
        headers: dict[str, str] = {}
        try:
            args = await read_args(request)
            status, body, headers = self._answer(method, _bearer(request, args), args)
        except SlackError as exc:
            status, body = 200, {"ok": False, "error": exc.error, **exc.extra}
        args.pop("token", None)
        self._calls.record(
            ApiCall(
                method,
                args,
                arrived,
                status,
                bool(body.get("ok")),
                body.get("error"),
                answered=time.time(),
            )
        )
        return JSONResponse(body, status_code=status, headers=headers)

    def _answer(
        self, method: str, token: str | None, args: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        handler = METHODS.get(method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method", "req_method": method}, {}
        if not token:
            raise SlackError("not_authed")
        if token not in (self._tokens.bot, self._tokens.app):
            raise SlackError("invalid_auth")
        wants_app_token = method in APP_TOKEN_METHODS
        if (token == self._tokens.app) != wants_app_token:
            raise SlackError("not_allowed_token_type")
        fault = self._faults.take(method)
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            return fault.status, {"ok": False, "error": fault.error}, headers
        context = CallContext(self._workspace(), self._hub, self._ws_base())
        return 200, {"ok": True, **handler(context, Args(args))}, {}
