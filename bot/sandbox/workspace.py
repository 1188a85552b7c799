"""The sandbox workspace: users, channels, members, messages, pins, bookmarks, reactions, views.

Owns all in-memory state of the fake Slack and Slack's rules about it (channel names, who may
post where, which error code a bad request earns). Web API handlers, the control API and the
HTML page read and change state only through `Workspace`, whose lock makes it safe to touch from
the server's event loop and from test threads alike. Errors are `SlackError` carrying Slack's
own error codes.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bot.sandbox.records import (
    APP_ID,
    BOT_ID,
    BOT_USER,
    BOT_USER_ID,
    DEFAULT_USERS,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    Bookmark,
    Channel,
    Ephemeral,
    Message,
    Pin,
    ResponseTarget,
    SlackError,
    TextSetting,
    User,
    UserGroup,
)

MAX_CHANNEL_NAME = 80
MAX_TOPIC = 250
MAX_TEXT = 40_000
MAX_BLOCKS = 50
ID_BLOCK = 100  # ids reserved durably at a time (see Workspace.reserve_ids)
_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")


def check_channel_name(name: str) -> None:
    """Slack's rules: lowercase letters, digits, hyphens and underscores, at most 80 characters."""
    if not name or len(name) > MAX_CHANNEL_NAME or not _CHANNEL_NAME.match(name):
        raise SlackError("invalid_name")


class Workspace:
    """The whole state of one sandbox team. Every public method takes the lock."""

    def __init__(self, users: Sequence[User] | None = None, *, base_url: str = "") -> None:
        self.base_url = base_url
        self._lock = threading.RLock()
        self.next_id = 1
        # Ids below the ceiling may be handed out; `reserve_ids` (the state file, when there is
        # one) makes a new ceiling durable before any id under it is used, so a crash between
        # saves can never hand an id that marshal already stored to a second channel.
        self.id_ceiling: int | None = None
        self.reserve_ids: Callable[[int], None] | None = None
        self._last_ts = 0.0
        self.users: dict[str, User] = {BOT_USER.id: BOT_USER}
        for user in users if users is not None else DEFAULT_USERS:
            self.users[user.id] = user
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self._triggers: dict[str, str | None] = {}  # trigger id -> who caused it
        # Who each modal was opened for, and which were closed (submitted): the page shows the
        # open ones to that person. Neither is part of Slack's API answers.
        self.view_owners: dict[str, str] = {}
        self.closed_views: set[str] = set()
        self._responses: dict[str, ResponseTarget] = {}
        people = [u.id for u in self.users.values() if not u.is_bot]
        for channel_id, name in (("C0INCIDENTS", "incidents"), ("C0TRIAGE", "triage")):
            self.channels[channel_id] = Channel(
                id=channel_id,
                name=name,
                creator=people[0] if people else BOT_USER_ID,
                created=int(time.time()),
                members=[BOT_USER_ID, *people],
            )
        if people:
            self.usergroups["S0ONCALL"] = UserGroup(
                "S0ONCALL", "oncall", "On-call", people[:2], "Whoever carries the pager"
            )

    # ids and clocks -------------------------------------------------------------------------

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def _new_id(self, prefix: str) -> str:
        with self._lock:
            number = self.next_id
            if self.reserve_ids is not None and (
                self.id_ceiling is None or number >= self.id_ceiling
            ):
                self.id_ceiling = number + ID_BLOCK
                self.reserve_ids(self.id_ceiling)
            self.next_id = number + 1
            return f"{prefix}{number:08d}"

    def continue_clock(self, last_ts: float) -> None:
        """After a restart: message timestamps carry on past the newest one stored."""
        with self._lock:
            self._last_ts = max(self._last_ts, last_ts)

    def _next_ts(self) -> str:
        # Slack ts values are unique per channel and ordered; keep them strictly increasing.
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def permalink(self, channel_id: str, ts: str) -> str:
        return f"{self.base_url}/archives/{channel_id}/p{ts.replace('.', '')}"

    # users ----------------------------------------------------------------------------------

    def add_user(self, user: User) -> User:
        with self._lock:
            self.users[user.id] = user
            return user

    def user(self, user_id: str) -> User:
        with self._lock:
            try:
                return self.users[user_id]
            except KeyError:
                raise SlackError("user_not_found") from None

    def user_by_email(self, email: str) -> User:
        with self._lock:
            for user in self.users.values():
                if user.email and user.email.lower() == email.strip().lower():
                    return user
            raise SlackError("users_not_found")

    def list_users(self) -> list[User]:
        with self._lock:
            return list(self.users.values())

    # channels -------------------------------------------------------------------------------

    def channel(self, channel_id: str) -> Channel:
        with self._lock:
            try:
                return self.channels[channel_id]
            except KeyError:
                raise SlackError("channel_not_found") from None

    def resolve_channel(self, ref: str, *, actor: str) -> Channel:
        """A channel id, `#name`/`name`, or a user id (meaning the DM with that user)."""
        with self._lock:
            if ref in self.channels:
                return self.channels[ref]
            if ref.startswith(("U", "W")) and ref in self.users:
                return self.open_im(ref)[0]
            name = ref.removeprefix("#")
            for channel in self.channels.values():
                if channel.name == name and not channel.is_im:
                    if channel.is_private and actor not in channel.members:
                        break
                    return channel
            raise SlackError("channel_not_found")

    def visible_channel(self, channel_id: str, actor: str) -> Channel:
        """Private channels and DMs exist, as far as Slack admits, only for their members."""
        with self._lock:
            channel = self.channel(channel_id)
            if (channel.is_private or channel.is_im) and actor not in channel.members:
                raise SlackError("channel_not_found")
            return channel

    def create_channel(self, name: str, *, is_private: bool, creator: str) -> Channel:
        with self._lock:
            check_channel_name(name)
            if any(c.name == name for c in self.channels.values() if not c.is_im):
                raise SlackError("name_taken")
            channel = Channel(
                id=self._new_id("G" if is_private else "C"),
                name=name,
                creator=creator,
                created=int(time.time()),
                is_private=is_private,
                members=[creator],
            )
            self.channels[channel.id] = channel
            return channel

    def list_channels(
        self, *, actor: str, types: Iterable[str], exclude_archived: bool
    ) -> list[Channel]:
        wanted = set(types)
        with self._lock:
            found = []
            for channel in self.channels.values():
                if channel.is_im:
                    kind = "im"
                elif channel.is_private:
                    kind = "private_channel"
                else:
                    kind = "public_channel"
                if kind not in wanted or (exclude_archived and channel.is_archived):
                    continue
                if kind != "public_channel" and actor not in channel.members:
                    continue
                found.append(channel)
            return found

    def set_topic(
        self, channel_id: str, text: str, *, actor: str, purpose: bool = False
    ) -> Channel:
        with self._lock:
            channel = self._writable(channel_id, actor)
            if len(text) > MAX_TOPIC:
                raise SlackError("too_long")
            setting = TextSetting(text, actor, int(time.time()))
            if purpose:
                channel.purpose = setting
            else:
                channel.topic = setting
            return channel

    def _writable(self, channel_id: str, actor: str) -> Channel:
        channel = self.visible_channel(channel_id, actor)
        if channel.is_archived:
            raise SlackError("is_archived")
        if actor not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    def invite(
        self, channel_id: str, user_ids: Sequence[str], *, actor: str, force: bool
    ) -> tuple[Channel, list[dict[str, Any]]]:
        """Slack's all-or-nothing invite: one bad id fails the call unless `force` is set."""
        with self._lock:
            channel = self._writable(channel_id, actor)
            if channel.is_im:
                raise SlackError("method_not_supported_for_channel_type")
            errors: list[dict[str, Any]] = []
            valid: list[str] = []
            for user_id in user_ids:
                error = self._invite_error(channel, user_id, actor)
                if error:
                    errors.append({"user": user_id, "ok": False, "error": error})
                elif user_id not in valid:
                    valid.append(user_id)
            if not errors or force:
                channel.members.extend(valid)
            return channel, errors

    def _invite_error(self, channel: Channel, user_id: str, actor: str) -> str | None:
        if user_id not in self.users:
            return "user_not_found"
        if user_id == actor:
            return "cant_invite_self"
        if user_id in channel.members:
            return "already_in_channel"
        return None

    def join(self, channel_id: str, *, actor: str) -> tuple[Channel, bool]:
        """Returns the channel and whether the actor was already a member."""
        with self._lock:
            channel = self.channel(channel_id)
            if channel.is_private or channel.is_im:
                raise SlackError("method_not_supported_for_channel_type")
            if channel.is_archived:
                raise SlackError("is_archived")
            if actor in channel.members:
                return channel, True
            channel.members.append(actor)
            return channel, False

    def archive(self, channel_id: str, *, actor: str) -> None:
        with self._lock:
            channel = self.visible_channel(channel_id, actor)
            if channel.is_im:
                raise SlackError("method_not_supported_for_channel_type")
            if channel.is_archived:
                raise SlackError("already_archived")
            if actor not in channel.members:
                raise SlackError("not_in_channel")
            channel.is_archived = True

    def unarchive(self, channel_id: str, *, actor: str) -> None:
        with self._lock:
            channel = self.visible_channel(channel_id, actor)
            if not channel.is_archived:
                raise SlackError("not_archived")
            channel.is_archived = False

    def open_im(self, user_id: str) -> tuple[Channel, bool]:
        """The DM between the bot and `user_id`; returns it and whether it already existed."""
        with self._lock:
            self.user(user_id)
            for channel in self.channels.values():
                if channel.is_im and channel.im_user == user_id:
                    return channel, True
            channel = Channel(
                id=self._new_id("D"),
                name=user_id,
                creator=BOT_USER_ID,
                created=int(time.time()),
                is_im=True,
                im_user=user_id,
                members=[BOT_USER_ID, user_id],
            )
            self.channels[channel.id] = channel
            return channel, False

    # messages -------------------------------------------------------------------------------

    def post_message(
        self,
        channel_id: str,
        *,
        author: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        via_response_url: bool = False,
    ) -> Message:
        """`via_response_url`: Slack lets an app answer through a response URL in conversations
        it is not a member of, so membership is not checked then."""
        with self._lock:
            channel = (
                self.channel(channel_id)
                if via_response_url
                else self.visible_channel(channel_id, author)
            )
            if channel.is_archived:
                raise SlackError("is_archived")
            if not (via_response_url or channel.is_im) and author not in channel.members:
                # Without chat:write.public (marshal does not ask for it) an app posts only
                # where it is a member; private channels already answered channel_not_found.
                raise SlackError("not_in_channel")
            _check_content(text, blocks)
            message = Message(
                ts=self._next_ts(),
                user=author,
                text=text,
                blocks=list(blocks or []),
                thread_ts=thread_ts or None,
                bot_id=BOT_ID if author == BOT_USER_ID else None,
            )
            parent = next((m for m in channel.messages if m.ts == thread_ts), None)
            if parent is not None:
                # A reply to a reply joins the parent's thread, as in Slack.
                root = channel.message(parent.thread_ts) if parent.thread_ts else parent
                root.thread_ts = root.ts
                root.reply_ts.append(message.ts)
                message.thread_ts = root.ts
            channel.messages.append(message)
            return message

    def update_message(
        self,
        channel_id: str,
        ts: str,
        *,
        actor: str,
        text: str | None,
        blocks: list[dict[str, Any]] | None,
    ) -> Message:
        with self._lock:
            channel = self.visible_channel(channel_id, actor)
            message = channel.message(ts)
            if message.user != actor:
                raise SlackError("cant_update_message")
            return self._replace(message, actor=actor, text=text, blocks=blocks)

    def replace_message(
        self, channel_id: str, ts: str, *, text: str | None, blocks: list[dict[str, Any]] | None
    ) -> Message:
        """A response URL's `replace_original`: the app may replace the message it came from."""
        with self._lock:
            message = self.channel(channel_id).message(ts)
            return self._replace(message, actor=BOT_USER_ID, text=text, blocks=blocks)

    def _replace(
        self,
        message: Message,
        *,
        actor: str,
        text: str | None,
        blocks: list[dict[str, Any]] | None,
    ) -> Message:
        with self._lock:
            new_text = message.text if text is None else text
            new_blocks = message.blocks if blocks is None else list(blocks)
            _check_content(new_text, new_blocks)
            message.text, message.blocks = new_text, new_blocks
            message.edited = {"user": actor, "ts": self._next_ts()}
            return message

    def delete_message(self, channel_id: str, ts: str) -> None:
        with self._lock:
            channel = self.channel(channel_id)
            channel.messages.remove(channel.message(ts))
            channel.pins = [pin for pin in channel.pins if pin.ts != ts]

    def post_ephemeral(
        self,
        channel_id: str,
        *,
        author: str,
        to_user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        via_response_url: bool = False,
    ) -> Ephemeral:
        with self._lock:
            channel = (
                self.channel(channel_id)
                if via_response_url
                else self.visible_channel(channel_id, author)
            )
            self.user(to_user)
            if not (via_response_url or channel.is_im) and to_user not in channel.members:
                raise SlackError("user_not_in_channel")
            _check_content(text, blocks)
            ephemeral = Ephemeral(
                self._next_ts(), author, to_user, text, list(blocks or []), thread_ts
            )
            channel.ephemerals.append(ephemeral)
            return ephemeral

    def replace_ephemeral(
        self, channel_id: str, ts: str, *, text: str | None, blocks: list[dict[str, Any]] | None
    ) -> None:
        with self._lock:
            for ephemeral in self.channel(channel_id).ephemerals:
                if ephemeral.ts == ts:
                    ephemeral.text = text if text is not None else ephemeral.text
                    ephemeral.blocks = list(blocks) if blocks is not None else ephemeral.blocks
                    return
            raise SlackError("message_not_found")

    def delete_ephemeral(self, channel_id: str, ts: str) -> None:
        with self._lock:
            channel = self.channel(channel_id)
            channel.ephemerals = [e for e in channel.ephemerals if e.ts != ts]

    def find_ephemeral(self, channel_id: str, ts: str) -> Ephemeral:
        with self._lock:
            for ephemeral in self.channel(channel_id).ephemerals:
                if ephemeral.ts == ts:
                    return ephemeral
            raise SlackError("message_not_found")

    def history(self, channel_id: str, *, actor: str) -> list[Message]:
        """Top-level messages (and thread broadcasts' parents), newest first."""
        with self._lock:
            channel = self.visible_channel(channel_id, actor)
            if actor not in channel.members:
                raise SlackError("not_in_channel")
            top = [m for m in channel.messages if not m.thread_ts or m.thread_ts == m.ts]
            return list(reversed(top))

    def replies(self, channel_id: str, ts: str, *, actor: str) -> list[Message]:
        """The parent then its replies, oldest first, as conversations.replies returns them."""
        with self._lock:
            channel = self.visible_channel(channel_id, actor)
            parent = channel.message(ts)
            root = parent.thread_ts or parent.ts
            return [m for m in channel.messages if root in (m.ts, m.thread_ts)]

    # pins, bookmarks, reactions -------------------------------------------------------------

    def pin(self, channel_id: str, ts: str, *, actor: str) -> None:
        with self._lock:
            channel = self._writable(channel_id, actor)
            channel.message(ts)
            if channel.pinned(ts):
                raise SlackError("already_pinned")
            channel.pins.append(Pin(ts, actor, int(time.time())))

    def add_bookmark(
        self, channel_id: str, *, actor: str, title: str, link: str, emoji: str
    ) -> Bookmark:
        with self._lock:
            channel = self._writable(channel_id, actor)
            if not title:
                raise SlackError("invalid_arguments")
            if not link.startswith(("http://", "https://")):
                raise SlackError("invalid_link")
            bookmark = Bookmark(
                self._new_id("Bk"), channel.id, title, link, emoji, actor, int(time.time())
            )
            channel.bookmarks.append(bookmark)
            return bookmark

    def react(self, channel_id: str, ts: str, name: str, *, actor: str, remove: bool) -> Message:
        with self._lock:
            channel = self.visible_channel(channel_id, actor)
            message = channel.message(ts)
            name = name.strip(":")
            if not name:
                raise SlackError("invalid_name")
            users = message.reactions.setdefault(name, [])
            if remove:
                if actor not in users:
                    raise SlackError("no_reaction")
                users.remove(actor)
                if not users:
                    del message.reactions[name]
            else:
                if actor in users:
                    raise SlackError("already_reacted")
                users.append(actor)
            return message

    # user groups ----------------------------------------------------------------------------

    def usergroup(self, usergroup_id: str) -> UserGroup:
        with self._lock:
            try:
                return self.usergroups[usergroup_id]
            except KeyError:
                raise SlackError("no_such_subteam") from None

    def add_usergroup(self, group: UserGroup) -> UserGroup:
        with self._lock:
            self.usergroups[group.id] = group
            return group

    # views, triggers, response urls ---------------------------------------------------------

    def issue_trigger(self, user_id: str | None = None) -> str:
        with self._lock:
            trigger_id = f"{int(time.time())}.{secrets.token_hex(6)}"
            self._triggers[trigger_id] = user_id
            return trigger_id

    def close_view(self, view_id: str) -> None:
        with self._lock:
            self.closed_views.add(view_id)

    def open_view(
        self, view: dict[str, Any], *, trigger_id: str, previous: str | None = None
    ) -> dict[str, Any]:
        with self._lock:
            if trigger_id not in self._triggers:
                raise SlackError("invalid_trigger_id")
            view_id = self._new_id("V")
            root = self.views[previous]["root_view_id"] if previous in self.views else view_id
            stored = self._stored_view(view_id, view, root_view_id=root, previous=previous)
            self.views[view_id] = stored
            owner = self._triggers[trigger_id]
            if owner is not None:
                self.view_owners[view_id] = owner
            return stored

    def update_view(
        self,
        view: dict[str, Any],
        *,
        view_id: str | None,
        external_id: str | None,
        hash_: str | None,
    ) -> dict[str, Any]:
        with self._lock:
            current = self._find_view(view_id, external_id)
            if hash_ and hash_ != current["hash"]:
                raise SlackError("hash_conflict")
            stored = self._stored_view(
                current["id"],
                view,
                root_view_id=current["root_view_id"],
                previous=current["previous_view_id"],
            )
            self.views[current["id"]] = stored
            return stored

    def _find_view(self, view_id: str | None, external_id: str | None) -> dict[str, Any]:
        if view_id and view_id in self.views:
            return self.views[view_id]
        for stored in self.views.values():
            if external_id and stored.get("external_id") == external_id:
                return stored
        raise SlackError("not_found")

    def view(self, view_id: str) -> dict[str, Any]:
        with self._lock:
            return self._find_view(view_id, None)

    def _stored_view(
        self, view_id: str, view: dict[str, Any], *, root_view_id: str, previous: str | None
    ) -> dict[str, Any]:
        if view.get("type") not in ("modal", "home") or not isinstance(view.get("blocks"), list):
            raise SlackError("invalid_arguments")
        return {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view["type"],
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view["blocks"],
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root_view_id,
            "previous_view_id": previous,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }

    def issue_response_url(self, target: ResponseTarget) -> str:
        with self._lock:
            response_id = secrets.token_urlsafe(12)
            self._responses[response_id] = target
            return f"{self.base_url}/response/{response_id}"

    def response_target(self, response_id: str) -> ResponseTarget:
        with self._lock:
            try:
                return self._responses[response_id]
            except KeyError:
                raise SlackError("expired_url") from None

    # snapshot for the control API and the page ----------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "team": {"id": TEAM_ID, "name": TEAM_NAME, "domain": TEAM_DOMAIN},
                "users": [u.to_api() for u in self.users.values()],
                "usergroups": [g.to_api(include_users=True) for g in self.usergroups.values()],
                "channels": [self._channel_snapshot(c) for c in self.channels.values()],
                "views": list(self.views.values()),
                "open_views": [
                    {"view": view, "user": self.view_owners[view_id]}
                    for view_id, view in self.views.items()
                    if view_id in self.view_owners
                    and view_id not in self.closed_views
                    and view.get("type") == "modal"
                ],
            }

    def _channel_snapshot(self, channel: Channel) -> dict[str, Any]:
        body = channel.to_api()
        body["name"] = channel.name
        body["members"] = list(channel.members)
        body["messages"] = [
            m.to_api(pinned_in=channel.id if channel.pinned(m.ts) else None)
            for m in channel.messages
        ]
        body["ephemerals"] = [e.to_api() for e in channel.ephemerals]
        body["pins"] = [pin.ts for pin in channel.pins]
        body["bookmarks"] = [b.to_api() for b in channel.bookmarks]
        return body


def _check_content(text: str, blocks: list[dict[str, Any]] | None) -> None:
    if not text and not blocks:
        raise SlackError("no_text")
    if len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    if blocks is not None and (
        len(blocks) > MAX_BLOCKS or not all(isinstance(b, dict) for b in blocks)
    ):
        raise SlackError("invalid_blocks")
