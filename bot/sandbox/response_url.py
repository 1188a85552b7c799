"""Response URLs: where an app answers a slash command or a button press, applied like Slack.

`POST /response/<id>` takes `text`/`blocks` with `response_type` (`ephemeral`, the default, or
`in_channel`), `replace_original` or `delete_original`. A slash command's ack payload is applied
through the same rules, since Slack treats it as the command's immediate response.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from bot.sandbox.call_log import REPLY_RESPONSE_URL, CallLog
from bot.sandbox.records import BOT_USER_ID, ResponseTarget, SlackError
from bot.sandbox.workspace import Workspace


def apply_response(workspace: Workspace, target: ResponseTarget, body: dict[str, Any]) -> str:
    """Applies one response to the workspace; returns what happened, for the caller's record."""
    text = body.get("text")
    blocks = body.get("blocks")
    if blocks is not None and not isinstance(blocks, list):
        raise SlackError("invalid_blocks")
    if body.get("delete_original") and target.message_ts:
        if target.ephemeral:
            workspace.delete_ephemeral(target.channel_id, target.message_ts)
        else:
            workspace.delete_message(target.channel_id, target.message_ts)
        return "deleted"
    if body.get("replace_original") and target.message_ts:
        if target.ephemeral:
            workspace.replace_ephemeral(
                target.channel_id, target.message_ts, text=text, blocks=blocks
            )
        else:
            workspace.replace_message(
                target.channel_id, target.message_ts, text=text, blocks=blocks
            )
        return "replaced"
    thread_ts = body.get("thread_ts")
    if body.get("response_type") == "in_channel":
        workspace.post_message(
            target.channel_id,
            author=BOT_USER_ID,
            text=str(text or ""),
            blocks=blocks,
            thread_ts=thread_ts,
            via_response_url=True,
        )
        return "posted"
    workspace.post_ephemeral(
        target.channel_id,
        author=BOT_USER_ID,
        to_user=target.user_id,
        text=str(text or ""),
        blocks=blocks,
        thread_ts=thread_ts,
        via_response_url=True,
    )
    return "ephemeral"


class ResponseUrls:
    def __init__(self, workspace: Callable[[], Workspace], calls: CallLog | None = None) -> None:
        self._workspace = workspace
        self._calls = calls

    async def endpoint(self, request: Request) -> JSONResponse:
        workspace = self._workspace()
        try:
            target = workspace.response_target(request.path_params["response_id"])
        except SlackError as exc:
            return JSONResponse({"ok": False, "error": exc.error}, status_code=404)
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"ok": False, "error": "invalid_payload"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"ok": False, "error": "invalid_payload"}, status_code=400)
        try:
            apply_response(workspace, target, body)
        except SlackError as exc:
            if self._calls is not None:
                self._calls.reply(REPLY_RESPONSE_URL, body, ok=False)
            return JSONResponse({"ok": False, "error": exc.error}, status_code=400)
        if self._calls is not None:
            self._calls.reply(REPLY_RESPONSE_URL, body)
        return JSONResponse({"ok": True})
