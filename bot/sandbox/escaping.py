"""Slash-command text as Slack delivers it with "Escape channels, users, and links" on.

marshal's manifest sets `should_escape: true`, so Slack rewrites what the person typed before the
app sees it: `@alice` becomes `<@U0ALICE|alice>`, `@oncall` `<!subteam^S0ONCALL|@oncall>`,
`#incidents` `<#C0INCIDENTS|incidents>`, an email `<mailto:a@b.c|a@b.c>`, and a literal `&`, `<`
or `>` `&amp;`, `&lt;`, `&gt;`. Sequences that already look like what the Slack client sends for
a picked mention (`<@U…>`, `<#C…>`, `<!subteam^S…>`, `<mailto:…>`, `<http…>`) pass as they are,
so a test can write either form.
"""

from __future__ import annotations

import re

from bot.sandbox.workspace import Workspace

_TOKEN = re.compile(
    r"(?P<encoded><(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+|!subteam\^S[A-Z0-9]+|mailto:[^<>|\s]+"
    r"|https?://[^<>|\s]+)(?:\|[^<>]*)?>)"
    r"|(?P<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
    r"|(?<![\w@])@(?P<name>[a-z0-9][a-z0-9._-]*)"
    r"|(?<![\w&#])#(?P<channel>[a-z0-9][a-z0-9_-]*)"
    r"|(?P<special>[&<>])"
)
_BROADCASTS = frozenset({"here", "channel", "everyone"})
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_command_text(workspace: Workspace, text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group("encoded"):
            return match.group(0)
        if email := match.group("email"):
            return f"<mailto:{email}|{email}>"
        if name := match.group("name"):
            return _mention(workspace, name) or match.group(0)
        if channel := match.group("channel"):
            return _channel(workspace, channel) or match.group(0)
        return _ENTITIES[match.group("special")]

    return _TOKEN.sub(replace, text)


def _mention(workspace: Workspace, typed: str) -> str | None:
    name = typed.rstrip(".")  # "ask @alice." ends a sentence, not a name
    tail = typed[len(name) :]
    if name in _BROADCASTS:
        return f"<!{name}>{tail}"
    for user in workspace.list_users():
        if user.name == name:
            return f"<@{user.id}|{user.name}>{tail}"
    with workspace.lock:
        for group in workspace.usergroups.values():
            if group.handle == name:
                return f"<!subteam^{group.id}|@{group.handle}>{tail}"
    return None


def _channel(workspace: Workspace, name: str) -> str | None:
    with workspace.lock:
        for channel in workspace.channels.values():
            if channel.name == name and not channel.is_im and not channel.is_private:
                return f"<#{channel.id}|{channel.name}>"
    return None
