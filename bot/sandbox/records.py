"""The sandbox's records: users, channels, messages, pins, bookmarks, user groups, and their
Slack JSON shapes (`to_api`), plus `SlackError`, which carries Slack's own error codes.

Plain data; the rules about changing it live in `workspace.Workspace`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "T0SANDBOX"
TEAM_NAME = "Sandbox"
TEAM_DOMAIN = "sandbox"
BOT_USER_ID = "U0MARSHAL"
BOT_ID = "B0MARSHAL"
APP_ID = "A0MARSHAL"


class SlackError(Exception):
    """A Web API failure with Slack's error code; `extra` lands next to `error` in the reply."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class User:
    id: str
    name: str
    email: str | None = None
    real_name: str = ""
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        real_name = self.real_name or self.name.title()
        profile: dict[str, Any] = {
            "real_name": real_name,
            "display_name": self.name,
            "real_name_normalized": real_name,
            "display_name_normalized": self.name,
            "team": TEAM_ID,
        }
        if self.email:
            profile["email"] = self.email
        if self.is_bot:
            profile["bot_id"] = BOT_ID
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": real_name,
            "deleted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "is_admin": False,
            "tz": "Etc/UTC",
            "profile": profile,
        }


@dataclass
class Message:
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    bot_id: str | None = None
    reactions: dict[str, list[str]] = field(default_factory=dict)
    reply_ts: list[str] = field(default_factory=list)
    edited: dict[str, str] | None = None

    def to_api(self, *, pinned_in: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "text": self.text,
            "ts": self.ts,
            "team": TEAM_ID,
        }
        if self.blocks:
            body["blocks"] = self.blocks
        if self.bot_id:
            body["bot_id"] = self.bot_id
            body["app_id"] = APP_ID
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        if self.reply_ts:
            body["reply_count"] = len(self.reply_ts)
            body["reply_users"] = []
            body["latest_reply"] = self.reply_ts[-1]
        if self.reactions:
            body["reactions"] = [
                {"name": name, "users": list(users), "count": len(users)}
                for name, users in self.reactions.items()
            ]
        if self.edited:
            body["edited"] = dict(self.edited)
        if pinned_in:
            body["pinned_to"] = [pinned_in]
        return body


@dataclass
class Ephemeral:
    """A message only `to_user` sees; Slack keeps none, the sandbox keeps them for tests."""

    ts: str
    user: str
    to_user: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None

    def to_api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "message",
            "subtype": "ephemeral",
            "user": self.user,
            "to_user": self.to_user,
            "text": self.text,
            "ts": self.ts,
        }
        if self.blocks:
            body["blocks"] = self.blocks
        if self.thread_ts:
            body["thread_ts"] = self.thread_ts
        return body


@dataclass
class Pin:
    ts: str
    created_by: str
    created: int


@dataclass
class Bookmark:
    id: str
    channel_id: str
    title: str
    link: str
    emoji: str
    created_by: str
    created: int

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "channel_id": self.channel_id,
            "title": self.title,
            "link": self.link,
            "emoji": self.emoji,
            "icon_url": None,
            "type": "link",
            "entity_id": None,
            "date_created": self.created,
            "date_updated": 0,
            "rank": "U",
            "last_updated_by_user_id": self.created_by,
            "last_updated_by_team_id": TEAM_ID,
            "shortcut_id": None,
            "app_id": APP_ID,
        }


@dataclass
class TextSetting:
    value: str = ""
    creator: str = ""
    last_set: int = 0

    def to_api(self) -> dict[str, Any]:
        return {"value": self.value, "creator": self.creator, "last_set": self.last_set}


@dataclass
class Channel:
    id: str
    name: str
    creator: str
    created: int
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    is_archived: bool = False
    members: list[str] = field(default_factory=list)
    topic: TextSetting = field(default_factory=TextSetting)
    purpose: TextSetting = field(default_factory=TextSetting)
    messages: list[Message] = field(default_factory=list)
    ephemerals: list[Ephemeral] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)
    bookmarks: list[Bookmark] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_im": True,
                "is_org_shared": False,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "is_general": False,
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": BOT_USER_ID in self.members,
            "created": self.created,
            "creator": self.creator,
            "unlinked": 0,
            "topic": self.topic.to_api(),
            "purpose": self.purpose.to_api(),
            "previous_names": [],
            "num_members": len(self.members),
            "context_team_id": TEAM_ID,
        }

    def message(self, ts: str) -> Message:
        for message in self.messages:
            if message.ts == ts:
                return message
        raise SlackError("message_not_found")

    def pinned(self, ts: str) -> bool:
        return any(pin.ts == ts for pin in self.pins)


@dataclass
class UserGroup:
    id: str
    handle: str
    name: str
    users: list[str]
    description: str = ""

    def to_api(self, *, include_users: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "team_id": TEAM_ID,
            "is_usergroup": True,
            "is_subteam": True,
            "name": self.name,
            "description": self.description,
            "handle": self.handle,
            "is_external": False,
            "date_delete": 0,
            "user_count": len(self.users),
        }
        if include_users:
            body["users"] = list(self.users)
        return body


@dataclass(frozen=True)
class ResponseTarget:
    """Where a response_url's posts land: the conversation, the user, the message it came from."""

    channel_id: str
    user_id: str
    message_ts: str | None = None
    ephemeral: bool = False


DEFAULT_USERS: tuple[User, ...] = (
    User("U0ALICE", "alice", "alice@example.com", "Alice Archer"),
    User("U0BOB", "bob", "bob@example.com", "Bob Baker"),
    User("U0CAROL", "carol", "carol@example.com", "Carol Chen"),
    User("U0DAVE", "dave", "dave@example.com", "Dave Diaz"),
)
BOT_USER = User(BOT_USER_ID, "marshal", None, "marshal", is_bot=True)
