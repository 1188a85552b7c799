"""Builds the payloads Slack sends an app: slash commands, block_actions, view_submission, events.

Shapes follow what Slack delivers over Socket Mode, built from the workspace's stored state
(a button press carries the real stored message; a view submission the stored view), so the
app under test parses exactly what it would parse in production.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from bot.sandbox.records import (
    APP_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    ResponseTarget,
    SlackError,
)
from bot.sandbox.workspace import Workspace

VERIFICATION_TOKEN = "sandbox-verification-token"  # noqa: S105 - Slack's public, deprecated token field


def _user_ref(workspace: Workspace, user_id: str) -> dict[str, Any]:
    user = workspace.user(user_id)
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID}


def slash_command(
    workspace: Workspace, *, user_id: str, channel_id: str, command: str, text: str
) -> dict[str, Any]:
    user = workspace.user(user_id)
    channel = workspace.channel(channel_id)
    response_url = workspace.issue_response_url(ResponseTarget(channel.id, user.id, ephemeral=True))
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel.id,
        "channel_name": "directmessage" if channel.is_im else channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": workspace.issue_trigger(user.id),
    }


def find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str, dict[str, Any]] | None:
    """The (block_id, element) of the interactive element with `action_id`, if any."""
    for index, block in enumerate(blocks):
        for element in _interactive_elements(block):
            if element.get("action_id") == action_id:
                return str(block.get("block_id") or f"sandbox-block-{index}"), element
    return None


def _interactive_elements(block: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if block.get("type") == "actions":
        yield from (e for e in block.get("elements", []) if isinstance(e, dict))
    for key in ("accessory", "element"):
        element = block.get(key)
        if isinstance(element, dict):
            yield element


def _action(block_id: str, element: dict[str, Any], value: str | None) -> dict[str, Any]:
    action: dict[str, Any] = {
        "action_id": element["action_id"],
        "block_id": block_id,
        "type": element.get("type", "button"),
        "action_ts": f"{time.time():.6f}",
    }
    if action["type"] == "button":
        action["text"] = element.get("text")
        action["value"] = value if value is not None else element.get("value", "")
        if "style" in element:
            action["style"] = element["style"]
    else:
        options = element.get("options", [])
        chosen = next((o for o in options if o.get("value") == value), None)
        action["selected_option"] = chosen or {"value": value}
    return action


def block_actions(
    workspace: Workspace,
    *,
    user_id: str,
    channel_id: str,
    message_ts: str,
    action_id: str,
    value: str | None = None,
) -> dict[str, Any]:
    """A button press on a stored message (or ephemeral). SlackError when either is missing."""
    channel = workspace.channel(channel_id)
    message: dict[str, Any] | None
    try:
        stored = channel.message(message_ts)
        blocks, message, ephemeral = stored.blocks, stored.to_api(), False
    except SlackError:
        shown = workspace.find_ephemeral(channel_id, message_ts)
        blocks, message, ephemeral = shown.blocks, None, True
    found = find_element(blocks, action_id)
    if found is None:
        raise SlackError("action_not_found")
    block_id, element = found
    response_url = workspace.issue_response_url(
        ResponseTarget(channel.id, user_id, message_ts=message_ts, ephemeral=ephemeral)
    )
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user_ref(workspace, user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel.id,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": workspace.issue_trigger(user_id),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": "directmessage" if channel.is_im else channel.name},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [_action(block_id, element, value)],
    }
    if message is not None:
        payload["message"] = message
    return payload


def view_submission(
    workspace: Workspace, *, user_id: str, view_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    view = dict(workspace.view(view_id))
    view["state"] = {"values": values}
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": _user_ref(workspace, user_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": workspace.issue_trigger(),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def event_callback(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{uuid.uuid4().hex[:10].upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }


def reaction_event(
    *, user_id: str, name: str, channel_id: str, ts: str, item_user: str, removed: bool
) -> dict[str, Any]:
    return event_callback(
        {
            "type": "reaction_removed" if removed else "reaction_added",
            "user": user_id,
            "reaction": name,
            "item_user": item_user,
            "item": {"type": "message", "channel": channel_id, "ts": ts},
            "event_ts": f"{time.time():.6f}",
        }
    )
