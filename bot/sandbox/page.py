"""The read-only HTML page at `/`: channels, their messages, threads, pins and ephemerals.

Message text is untrusted (it comes from alerts and users), so every value is escaped before it
reaches the template; Block Kit is rendered minimally (header, section, context, buttons).
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from importlib import resources
from string import Template
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.sandbox.records import TEAM_NAME
from bot.sandbox.workspace import Workspace

REFRESH_SECONDS = 3


def _text(obj: Any) -> str:
    if isinstance(obj, dict):
        return escape(str(obj.get("text", "")))
    return escape(str(obj or ""))


def _block(block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind == "header":
        return f'<div class="header">{_text(block.get("text"))}</div>'
    if kind == "section":
        parts = [_text(block.get("text"))]
        parts += [_text(f) for f in block.get("fields", []) or []]
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == "button":
            parts.append(_button(accessory))
        return f"<div>{'<br>'.join(p for p in parts if p)}</div>"
    if kind == "context":
        items = " · ".join(_text(e) for e in block.get("elements", []) or [])
        return f'<div class="context">{items}</div>'
    if kind == "actions":
        elements = block.get("elements", []) or []
        return "<div>" + "".join(_button(e) for e in elements if isinstance(e, dict)) + "</div>"
    if kind == "divider":
        return "<hr>"
    return ""


def _button(element: dict[str, Any]) -> str:
    style = escape(str(element.get("style", "")), quote=True)
    action_id = escape(str(element.get("action_id", "")), quote=True)
    label = _text(element.get("text")) or action_id
    return f'<button class="{style}" title="{action_id}" disabled>{label}</button>'


def _message(message: dict[str, Any], names: dict[str, str], pins: set[str]) -> str:
    author = escape(names.get(message.get("user", ""), message.get("user", "?")))
    blocks = message.get("blocks") or []
    body = "".join(_block(b) for b in blocks if isinstance(b, dict)) or _text(message.get("text"))
    pin = ' <span class="pin">📌 pinned</span>' if message.get("ts") in pins else ""
    reactions = " ".join(
        f":{escape(r['name'])}: {int(r['count'])}" for r in message.get("reactions", [])
    )
    return (
        f'<div class="message"><div class="meta"><strong>{author}</strong> '
        f"{escape(str(message.get('ts', '')))}{pin} {reactions}</div>{body}</div>"
    )


def _channel(channel: dict[str, Any], names: dict[str, str]) -> str:
    pins = set(channel.get("pins", []))
    messages = channel.get("messages", [])
    replies: dict[str, list[dict[str, Any]]] = {}
    for m in messages:
        if m.get("thread_ts") and m["thread_ts"] != m["ts"]:
            replies.setdefault(m["thread_ts"], []).append(m)
    rendered = []
    for m in messages:
        if m.get("thread_ts") and m["thread_ts"] != m["ts"]:
            continue
        rendered.append(_message(m, names, pins))
        thread = "".join(_message(r, names, pins) for r in replies.get(m["ts"], []))
        if thread:
            rendered.append(f'<div class="thread">{thread}</div>')
    for e in channel.get("ephemerals", []):
        to = escape(names.get(e.get("to_user", ""), e.get("to_user", "")))
        rendered.append(
            f'<div class="ephemeral"><div class="meta">only visible to {to}</div>'
            f"{_message(e, names, set())}</div>"
        )
    title = escape(str(channel.get("name", "")))
    prefix = "🔒" if channel.get("is_private") else ("@" if channel.get("is_im") else "#")
    topic = _text((channel.get("topic") or {}).get("value", ""))
    anchor = escape(str(channel.get("id", "")), quote=True)
    bookmarks = " ".join(
        f'<a href="{escape(str(b.get("link", "")), quote=True)}" rel="noopener">'
        f"{escape(str(b.get('title', '')))}</a>"
        for b in channel.get("bookmarks", [])
        if str(b.get("link", "")).startswith(("http://", "https://"))
    )
    archived = " (archived)" if channel.get("is_archived") else ""
    return (
        f'<section class="channel" id="{anchor}"><h2>{prefix}{title}{archived}</h2>'
        f'<div class="meta">{topic} {bookmarks}</div>{"".join(rendered)}</section>'
    )


def render(snapshot: dict[str, Any]) -> str:
    names = {u["id"]: u["name"] for u in snapshot.get("users", [])}
    channels = snapshot.get("channels", [])
    links = "".join(
        f'<a href="#{escape(str(c["id"]), quote=True)}">'
        f"{'@' if c.get('is_im') else '#'}{escape(str(c.get('name', '')))}</a>"
        for c in channels
    )
    template = Template(resources.files("bot.sandbox").joinpath("page.html").read_text("utf-8"))
    return template.substitute(
        refresh_seconds=REFRESH_SECONDS,
        team_name=escape(TEAM_NAME),
        channel_links=links,
        channels="".join(_channel(c, names) for c in channels),
    )


class Page:
    def __init__(self, workspace: Callable[[], Workspace]) -> None:
        self._workspace = workspace

    async def endpoint(self, request: Request) -> HTMLResponse:
        return HTMLResponse(render(self._workspace().snapshot()))
