"""Slack text: the one place where text from outside becomes safe to show in Slack.

Slack reads `&`, `<` and `>` as control characters in every text it renders (mrkdwn and
plain_text objects, message fallback `text`, channel topics and purposes, bookmark titles,
modal titles): `<!channel>` pings a room, `<!subteam^S1>` a user group, `<@U1>` a person,
`<http://x|y>` hides a link behind harmless words. Anything that came from outside (an
alert, a person, the LLM) goes through `escape` before it is put into such text; marshal's
own mentions and links (an IC it names, a room it links) are built here too, from ids
checked to be ids, so a stored value can never smuggle markup in through them.

Plain Python, no slack_sdk: services, commands and the Slack adapter all import it.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
_USER_ID = re.compile(r"^[UW][A-Z0-9_]+$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9_]+$")
_GROUP_ID = re.compile(r"^S[A-Z0-9_]+$")
# An entity or a control sequence cut in half at the end of a clipped string.
_TORN_TAIL = re.compile(r"(&[a-z]{0,4}|<[^>]*)$")


def escape(text: object) -> str:
    """Slack's three control characters as entities, so `text` renders literally."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What a person typed, from Slack's escaped form of it: Slack sends a slash command's `&`,
    `<` and `>` as entities, and marshal stores text raw and escapes it when it shows it."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, ending with `…` when cut, never inside an entity such
    as `&lt;` or a control sequence such as `<@U1>` (a half of one renders as garbage)."""
    if len(text) <= limit:
        return text
    head = _TORN_TAIL.sub("", text[: max(0, limit - len(ELLIPSIS))])
    return head + ELLIPSIS


def escape_clipped(text: object, limit: int) -> str:
    """`escape(text)`, clipped to `limit` characters without tearing an entity."""
    return clip(escape(text), limit)


def is_user_id(value: str | None) -> bool:
    return bool(value and _USER_ID.match(value))


def user(user_id: str | None, *, nobody: str = "nobody") -> str:
    """A mention of a Slack user marshal knows by id; anything else (an email, `marshal`,
    a value that is not an id) is shown as escaped text, never as markup."""
    if not user_id:
        return nobody
    return f"<@{user_id}>" if is_user_id(user_id) else escape(user_id)


def channel(channel_id: str | None, *, none: str = "—") -> str:
    """A link to a channel marshal knows by id (`<#C…>`), else the escaped value."""
    if not channel_id:
        return none
    return f"<#{channel_id}>" if _CHANNEL_ID.match(channel_id) else escape(channel_id)


def user_group(group_id: str) -> str:
    """A mention of a configured user group (`<!subteam^S…>`); never built from input."""
    return f"<!subteam^{group_id}>" if _GROUP_ID.match(group_id) else escape(group_id)


def link(url: str, label: str) -> str:
    """`<url|label>` with both parts unable to end the link early or open markup."""
    safe_url = url.replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    safe_url = safe_url.replace(" ", "%20")
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"
