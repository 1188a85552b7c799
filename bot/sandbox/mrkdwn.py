"""Slack's mrkdwn as HTML, for the sandbox page: what a person would see in the Slack client.

Handles what marshal sends: `*bold*`, `_italic_`, `~strike~`, `` `code` ``, ```` ```pre``` ````,
`>` quotes, line breaks, links (`<url|text>` shows the text), mentions (`<@U1>` shows `@name`,
`<#C1>` `#name`, `<!subteam^S1>` `@handle`, `<!here>` `@here`, `<!date^…|fallback>` the
fallback), Slack's entities (`&amp;`, `&lt;`, `&gt;`) and common `:emoji:`. Everything that
reaches the HTML is escaped first: message text comes from alerts and people.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from html import escape

EMOJI = {
    "warning": "⚠️",
    "white_check_mark": "✅",
    "memo": "📝",
    "white_large_square": "⬜",
    "white_circle": "⚪",
    "rotating_light": "🚨",
    "red_circle": "🔴",
    "large_yellow_circle": "🟡",
    "large_orange_circle": "🟠",
    "large_green_circle": "🟢",
    "large_blue_circle": "🔵",
    "pushpin": "📌",
    "pencil2": "✏️",
    "no_entry": "⛔",
    "mag": "🔍",
    "bell": "🔔",
    "alarm_clock": "⏰",
    "fire": "🔥",
    "eyes": "👀",
    "tada": "🎉",
    "x": "❌",
    "heavy_check_mark": "✔️",
    "hourglass": "⌛",
    "hourglass_flowing_sand": "⏳",
    "link": "🔗",
    "busts_in_silhouette": "👥",
    "bust_in_silhouette": "👤",
    "clipboard": "📋",
    "loudspeaker": "📢",
    "mega": "📣",
    "stopwatch": "⏱️",
    "star": "⭐",
    "thumbsup": "👍",
    "+1": "👍",
    "lock": "🔒",
    "unlock": "🔓",
    "arrow_right": "➡️",
    "information_source": "ℹ️",  # noqa: RUF001 - the emoji itself
    "repeat": "🔁",
    "calendar": "📆",
    "speech_balloon": "💬",
    "sos": "🆘",
}
_SEQUENCE = re.compile(r"<([^<>]*)>")
_PRE = re.compile(r"```(.+?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_SLOT = "\x00{}\x00"
_SLOT_BACK = re.compile(r"\x00(\d+)\x00")
_STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])"), "s"),
)
_EMOJI = re.compile(r":([a-z0-9_+-]+):")


def _entities(text: str) -> str:
    """Slack's three entities back to characters (to be escaped again for HTML)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class Mrkdwn:
    """Renders with the workspace's names: user id -> name, channel id -> name, group -> handle."""

    def __init__(
        self,
        users: Mapping[str, str],
        channels: Mapping[str, str],
        groups: Mapping[str, str] | None = None,
    ) -> None:
        self._users = users
        self._channels = channels
        self._groups = groups or {}

    def plain(self, text: str) -> str:
        """A plain_text object: entities and emoji, no formatting."""
        return _EMOJI.sub(_emoji, escape(_entities(text)))

    def render(self, text: str) -> str:
        slots: list[str] = []

        def keep(html: str) -> str:
            slots.append(html)
            return _SLOT.format(len(slots) - 1)

        text = _PRE.sub(lambda m: keep(f"<pre>{escape(_entities(m.group(1)))}</pre>"), text)
        text = _CODE.sub(lambda m: keep(f"<code>{escape(_entities(m.group(1)))}</code>"), text)
        text = _SEQUENCE.sub(lambda m: keep(self._sequence(m.group(1))), text)
        html = escape(_entities(text))
        for pattern, tag in _STYLES:
            html = pattern.sub(_tagger(tag), html)
        html = _EMOJI.sub(_emoji, html)
        html = _quotes(html)
        html = html.replace("\n", "<br>")
        return _SLOT_BACK.sub(lambda m: slots[int(m.group(1))], html)

    def _sequence(self, inner: str) -> str:
        target, _, label = inner.partition("|")
        if re.match(r"^(https?|mailto):", target):
            shown = escape(_entities(label or target.removeprefix("mailto:")))
            href = escape(_entities(target), quote=True)
            return f'<a href="{href}" rel="noopener noreferrer" target="_blank">{shown}</a>'
        if target[:1] in ("@", "#", "!"):
            return self._mention(target, label)
        return escape(f"<{_entities(inner)}>")

    def _mention(self, target: str, label: str) -> str:
        if target.startswith("@"):
            name = self._users.get(target[1:], label or target[1:])
            return f'<span class="mention">@{escape(name)}</span>'
        if target.startswith("#"):
            name = self._channels.get(target[1:], label or target[1:])
            return f'<span class="mention">#{escape(name)}</span>'
        if target.startswith("!subteam^"):
            handle = self._groups.get(target.removeprefix("!subteam^"), label.lstrip("@"))
            return f'<span class="mention">@{escape(handle)}</span>'
        if target.startswith("!date^"):
            return escape(_entities(label))
        return f'<span class="mention">@{escape(target[1:])}</span>'


def _tagger(tag: str) -> Callable[[re.Match[str]], str]:
    return lambda m: f"<{tag}>{m.group(1)}</{tag}>"


def _emoji(match: re.Match[str]) -> str:
    return EMOJI.get(match.group(1), match.group(0))


def _quotes(html: str) -> str:
    lines = html.split("\n")
    out = []
    for line in lines:
        if line.startswith("&gt; ") or line == "&gt;":
            out.append(f"<blockquote>{line[5:]}</blockquote>")
        else:
            out.append(line)
    return "\n".join(out)
