"""The sandbox page at `/`: the workspace as a person sees it in Slack, and a way to act in it.

Renders channels, messages, threads, pins and ephemerals with Slack's formatting (mrkdwn,
emoji, user and channel names, link text; see `mrkdwn.py`) and Block Kit (header, section,
fields, context, actions, divider, buttons, selects and overflow menus). It is interactive: a
person picks who they are, runs a slash command in a channel and presses buttons; the page's
script POSTs those to the control API (`/control/command`, `/control/action`), which delivers
them to the app over Socket Mode as Slack would. Message text is untrusted (alerts, people), so
every value is escaped before it reaches the template.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from importlib import resources
from string import Template
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from bot.sandbox.mrkdwn import Mrkdwn
from bot.sandbox.records import BOT_USER_ID, TEAM_NAME
from bot.sandbox.workspace import Workspace

REFRESH_SECONDS = 3
DEFAULT_COMMAND = "/marshal"


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


class _Renderer:
    def __init__(self, snapshot: dict[str, Any]) -> None:
        self.names = {u["id"]: u["name"] for u in snapshot.get("users", [])}
        channels = {c["id"]: c.get("name", "") for c in snapshot.get("channels", [])}
        groups = {g["id"]: g.get("handle", "") for g in snapshot.get("usergroups", [])}
        self.text = Mrkdwn(self.names, channels, groups)

    def text_object(self, obj: Any) -> str:
        if isinstance(obj, dict):
            raw = str(obj.get("text", ""))
            return self.text.render(raw) if obj.get("type") == "mrkdwn" else self.text.plain(raw)
        return self.text.render(str(obj or ""))

    def block(self, block: dict[str, Any], where: str) -> str:
        kind = block.get("type")
        if kind == "header":
            return f'<div class="header">{self.text_object(block.get("text"))}</div>'
        if kind == "section":
            parts = [self.text_object(block["text"])] if block.get("text") else []
            fields = [self.text_object(f) for f in block.get("fields", []) or []]
            if fields:
                parts.append(
                    '<div class="fields">' + "".join(f"<div>{f}</div>" for f in fields) + "</div>"
                )
            accessory = block.get("accessory")
            if isinstance(accessory, dict):
                parts.append(self.element(accessory, where))
            return f'<div class="section">{"".join(parts)}</div>'
        if kind == "context":
            items = " · ".join(
                self.text_object(e) for e in block.get("elements", []) or [] if isinstance(e, dict)
            )
            return f'<div class="context">{items}</div>'
        if kind == "actions":
            elements = block.get("elements", []) or []
            inner = "".join(self.element(e, where) for e in elements if isinstance(e, dict))
            return f'<div class="actions">{inner}</div>'
        if kind == "divider":
            return "<hr>"
        return ""

    def element(self, element: dict[str, Any], where: str) -> str:
        kind = element.get("type")
        action = _attr(element.get("action_id", ""))
        if kind == "button":
            style = _attr(element.get("style", ""))
            label = self.text_object(element.get("text")) or action
            value = _attr(element.get("value", ""))
            return (
                f'<button class="act {style}" {where} data-action="{action}" '
                f'data-value="{value}">{label}</button>'
            )
        if kind in ("static_select", "overflow"):
            options = "".join(
                f'<option value="{_attr(o.get("value", ""))}">'
                f"{self.text_object(o.get('text'))}</option>"
                for o in element.get("options", []) or []
                if isinstance(o, dict)
            )
            placeholder = self.text_object(element.get("placeholder")) or "…"
            return (
                f'<select class="act-select" {where} data-action="{action}">'
                f'<option value="" selected disabled>{placeholder}</option>{options}</select>'
            )
        return ""

    def message(self, message: dict[str, Any], channel_id: str, pins: set[str]) -> str:
        user = str(message.get("user", ""))
        author = escape(self.names.get(user, user or "?"))
        ts = str(message.get("ts", ""))
        where = f'data-channel="{_attr(channel_id)}" data-ts="{_attr(ts)}"'
        blocks = message.get("blocks") or []
        body = "".join(self.block(b, where) for b in blocks if isinstance(b, dict))
        body = body or self.text.render(str(message.get("text", "")))
        pin = ' <span class="pin">📌 pinned</span>' if ts in pins else ""
        edited = ' <span class="edited">(edited)</span>' if message.get("edited") else ""
        reactions = " ".join(
            f'<span class="reaction">{self.text.plain(":" + str(r["name"]) + ":")} '
            f"{int(r['count'])}</span>"
            for r in message.get("reactions", [])
        )
        app = ' <span class="app">APP</span>' if user == BOT_USER_ID else ""
        return (
            f'<div class="message" data-ts="{_attr(ts)}"><div class="meta"><strong>{author}'
            f'</strong>{app} <span class="ts">{escape(ts)}</span>{pin}{edited} {reactions}</div>'
            f"{body}</div>"
        )

    def modal(self, entry: dict[str, Any]) -> str:
        """An open modal for the person it was opened for: its inputs and its submit button."""
        view, user = entry["view"], str(entry["user"])
        parts = []
        for block in view.get("blocks", []):
            if not isinstance(block, dict):
                continue
            if block.get("type") == "input" and isinstance(block.get("element"), dict):
                label = self.text_object(block.get("label"))
                field = _input(block["element"], str(block.get("block_id", "")), self.text)
                parts.append(f'<label class="input">{label}{field}</label>')
            else:
                parts.append(self.block(block, ""))
        submit = self.text_object(view.get("submit")) or "Submit"
        return (
            f'<section class="modal" data-view="{_attr(view.get("id", ""))}" '
            f'data-user="{_attr(user)}"><h2>{self.text_object(view.get("title"))} '
            f'<span class="meta">for {escape(self.names.get(user, user))}</span></h2>'
            f'{"".join(parts)}<button class="submit-view">{submit}</button></section>'
        )

    def channel(self, channel: dict[str, Any]) -> str:
        channel_id = str(channel.get("id", ""))
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
            rendered.append(self.message(m, channel_id, pins))
            thread = "".join(self.message(r, channel_id, pins) for r in replies.get(m["ts"], []))
            if thread:
                rendered.append(f'<div class="thread">{thread}</div>')
        for e in channel.get("ephemerals", []):
            to = escape(self.names.get(e.get("to_user", ""), e.get("to_user", "")))
            rendered.append(
                f'<div class="ephemeral" data-to="{_attr(e.get("to_user", ""))}">'
                f'<div class="meta">only visible to {to}</div>'
                f"{self.message(e, channel_id, set())}</div>"
            )
        title = escape(str(channel.get("name", "")))
        prefix = "🔒" if channel.get("is_private") else ("@" if channel.get("is_im") else "#")
        topic = self.text.render(str((channel.get("topic") or {}).get("value", "")))
        bookmarks = " ".join(
            f'<a href="{_attr(b.get("link", ""))}" rel="noopener">'
            f"🔖 {escape(str(b.get('title', '')))}</a>"
            for b in channel.get("bookmarks", [])
            if str(b.get("link", "")).startswith(("http://", "https://"))
        )
        archived = channel.get("is_archived")
        members = ", ".join(escape(self.names.get(m, m)) for m in channel.get("members", []))
        command = (
            '<p class="meta">archived: read only</p>'
            if archived
            else (
                f'<form class="command" data-channel="{_attr(channel_id)}">'
                f'<input name="text" placeholder="{DEFAULT_COMMAND} help" autocomplete="off">'
                "<button>Send</button></form>"
            )
        )
        return (
            f'<section class="channel" id="{_attr(channel_id)}"><h2>{prefix}{title}'
            f"{' (archived)' if archived else ''}</h2>"
            f'<div class="meta topic">{topic} {bookmarks}</div>'
            f'<div class="meta">members: {members}</div>{"".join(rendered)}{command}</section>'
        )


def _input(element: dict[str, Any], block_id: str, text: Mrkdwn) -> str:
    kind = str(element.get("type", ""))
    data = (
        f'class="view-input" data-block="{_attr(block_id)}" '
        f'data-action="{_attr(element.get("action_id", ""))}" data-type="{_attr(kind)}"'
    )
    if kind == "plain_text_input":
        initial = escape(str(element.get("initial_value", "")))
        if element.get("multiline"):
            return f'<textarea {data} rows="4">{initial}</textarea>'
        return f'<input {data} value="{_attr(element.get("initial_value", ""))}">'
    options = [o for o in element.get("options", []) or [] if isinstance(o, dict)]
    if kind == "checkboxes":
        return "".join(
            f'<span class="option"><input type="checkbox" {data} value="{_attr(o.get("value"))}">'
            f"{text.plain(str((o.get('text') or {}).get('text', '')))}</span>"
            for o in options
        )
    if kind == "static_select":
        listed = "".join(
            f'<option value="{_attr(o.get("value"))}">'
            f"{text.plain(str((o.get('text') or {}).get('text', '')))}</option>"
            for o in options
        )
        return f'<select {data}><option value=""></option>{listed}</select>'
    return f'<span class="meta">({escape(kind)} not shown in the sandbox)</span>'


def pager_section(events: list[dict[str, Any]]) -> str:
    """The sandbox pager's events (bot/sandbox/pager.py), oldest first, so a drill shows the
    whole escalation: who was paged at which routing key, then acknowledged or resolved."""
    if not events:
        return ""
    rows = []
    for event in events:
        payload = event.get("payload") if isinstance(event.get("payload"), dict) else {}
        cells = (
            event.get("event_action", ""),
            event.get("routing_key", ""),
            event.get("dedup_key", ""),
            (payload or {}).get("severity", ""),
            (payload or {}).get("summary", ""),
        )
        rows.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("action", "routing key", "dedup key", "severity"))
    return (
        '<section class="channel" id="pager"><h2>📟 Sandbox PagerDuty</h2>'
        f'<table class="pager"><tr>{head}<th>summary</th></tr>{"".join(rows)}</table></section>'
    )


def render(snapshot: dict[str, Any], pages: list[dict[str, Any]] | None = None) -> str:
    renderer = _Renderer(snapshot)
    channels = snapshot.get("channels", [])
    links = "".join(
        f'<a href="#{_attr(c["id"])}">'
        f"{'@' if c.get('is_im') else ('🔒' if c.get('is_private') else '#')}"
        f"{escape(str(c.get('name', '')))}</a>"
        for c in channels
    )
    people = [u for u in snapshot.get("users", []) if not u.get("is_bot")]
    user_options = "".join(
        f'<option value="{_attr(u["id"])}">{escape(str(u["name"]))}</option>' for u in people
    )
    template = Template(resources.files("bot.sandbox").joinpath("page.html").read_text("utf-8"))
    return template.substitute(
        refresh_ms=REFRESH_SECONDS * 1000,
        team_name=escape(TEAM_NAME),
        user_options=user_options,
        command=json.dumps(DEFAULT_COMMAND),
        channel_links=links,
        modals="".join(renderer.modal(v) for v in snapshot.get("open_views", [])),
        channels="".join(renderer.channel(c) for c in channels),
        pager=pager_section(pages or []),
    )


class Page:
    def __init__(
        self,
        workspace: Callable[[], Workspace],
        pages: Callable[[], list[dict[str, Any]]] | None = None,
    ) -> None:
        self._workspace = workspace
        self._pages = pages

    async def endpoint(self, request: Request) -> HTMLResponse:
        pages = self._pages() if self._pages else []
        return HTMLResponse(render(self._workspace().snapshot(), pages))
