"""WebClientSlackGateway: the SlackGateway port over slack_sdk's WebClient.

Retries for 429 (honouring Retry-After), 5xx and dropped connections are slack_sdk's own
retry handlers, bounded; anything Slack still refuses becomes SlackCallFailed(method, error).
Views are rendered to Block Kit here, at the edge (bot/slack/blocks/).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.ports.slack import Channel, InviteResult, SlackCallFailed, SlackUser, Usergroup
from bot.ports.slack_views import MessageView, ModalView
from bot.slack.blocks.render import render_message, render_modal
from bot.slack.blocks.retired import retire_buttons

# conversations.invite takes "1-1000 users" per call (docs.slack.dev/reference/methods).
INVITE_BATCH_LIMIT = 1000
_ALREADY_IN = "already_in_channel"
_MAX_RETRIES = 3


def build_web_client(
    token: str, base_url: str, *, timeout_seconds: int = 10, max_retries: int = _MAX_RETRIES
) -> WebClient:
    """A WebClient aimed at `base_url` (SLACK_API_URL) with bounded retries and a timeout."""
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout_seconds,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=max_retries),
            ConnectionErrorRetryHandler(max_retry_count=max_retries),
            ServerErrorRetryHandler(max_retry_count=max_retries),
        ],
    )


@contextmanager
def _failures(method: str) -> Iterator[None]:
    """Turn slack_sdk's SlackApiError into the port's SlackCallFailed(method, error)."""
    try:
        yield
    except SlackApiError as exc:
        raise SlackCallFailed(method, str(exc.response.get("error", "unknown_error"))) from exc
    except OSError as exc:  # URLError, timeouts, resets: after slack_sdk's own retries
        raise SlackCallFailed(method, f"connection_error ({type(exc).__name__})") from exc


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class WebClientSlackGateway:
    def __init__(self, client: WebClient) -> None:
        self._client = client

    def create_private_channel(self, name: str) -> Channel:
        return self._create(name, private=True)

    def create_public_channel(self, name: str) -> Channel:
        return self._create(name, private=False)

    def _create(self, name: str, *, private: bool) -> Channel:
        with _failures("conversations.create"):
            response = self._client.conversations_create(name=name, is_private=private)
        channel = response["channel"]
        return Channel(id=channel["id"], name=channel["name"])

    def find_channel_by_name(self, name: str) -> Channel | None:
        cursor: str | None = None
        while True:
            with _failures("conversations.list"):
                response = self._client.conversations_list(
                    types="public_channel,private_channel",
                    exclude_archived=True,
                    limit=200,
                    cursor=cursor,
                )
            channels: list[dict[str, Any]] = response.get("channels", [])
            for channel in channels:
                if channel.get("name") == name:
                    return Channel(id=channel["id"], name=channel["name"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    def set_topic(self, channel_id: str, topic: str) -> None:
        with _failures("conversations.setTopic"):
            self._client.conversations_setTopic(channel=channel_id, topic=topic)

    def set_purpose(self, channel_id: str, purpose: str) -> None:
        with _failures("conversations.setPurpose"):
            self._client.conversations_setPurpose(channel=channel_id, purpose=purpose)

    def invite(self, channel_id: str, user_ids: list[str]) -> InviteResult:
        result = InviteResult()
        wanted = list(dict.fromkeys(u for u in user_ids if u))
        for batch in _batches(wanted, INVITE_BATCH_LIMIT):
            self._invite_batch(channel_id, batch, result)
        return result

    def _invite_batch(self, channel_id: str, batch: list[str], result: InviteResult) -> None:
        """Invite one batch. Slack refuses a whole batch when one user fails, listing the
        per-user errors; the bad ones are recorded and the rest retried, so one bad
        invitee never blocks the others."""
        pending = batch
        while pending:
            try:
                self._client.conversations_invite(channel=channel_id, users=pending)
            except SlackApiError as exc:
                error = str(exc.response.get("error", "unknown_error"))
                per_user = _per_user_errors(exc.response.data)
                if not per_user and len(pending) == 1:
                    per_user = {pending[0]: error}
                if not per_user:
                    result.failed.update(dict.fromkeys(pending, error))
                    return
                for user, user_error in per_user.items():
                    if user_error == _ALREADY_IN:
                        result.invited.append(user)
                    else:
                        result.failed[user] = user_error
                # each round removes at least one user, so this ends
                remaining = [u for u in pending if u not in per_user]
                if len(remaining) == len(pending):
                    result.failed.update(dict.fromkeys(pending, error))
                    return
                pending = remaining
                continue
            result.invited.extend(pending)
            return

    def post_message(
        self, channel_id: str, message: str | MessageView, *, thread_ts: str | None = None
    ) -> str:
        text, blocks = _rendered(message)
        with _failures("chat.postMessage"):
            response = self._client.chat_postMessage(
                channel=channel_id, text=text, blocks=blocks, thread_ts=thread_ts
            )
        return str(response["ts"])

    def update_message(self, channel_id: str, ts: str, message: str | MessageView) -> None:
        text, blocks = _rendered(message)
        with _failures("chat.update"):
            self._client.chat_update(channel=channel_id, ts=ts, text=text, blocks=blocks)

    def post_ephemeral(self, channel_id: str, user_id: str, text: str) -> None:
        with _failures("chat.postEphemeral"):
            self._client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)

    def send_dm(self, user_id: str, message: str | MessageView) -> str:
        with _failures("conversations.open"):
            opened = self._client.conversations_open(users=user_id)
        return self.post_message(str(opened["channel"]["id"]), message)

    def pin(self, channel_id: str, ts: str) -> None:
        try:
            with _failures("pins.add"):
                self._client.pins_add(channel=channel_id, timestamp=ts)
        except SlackCallFailed as exc:
            if exc.error != "already_pinned":
                raise

    def add_bookmark(self, channel_id: str, title: str, url: str) -> None:
        with _failures("bookmarks.add"):
            self._client.bookmarks_add(channel_id=channel_id, title=title, type="link", link=url)

    def lookup_user_by_email(self, email: str) -> str | None:
        try:
            with _failures("users.lookupByEmail"):
                response = self._client.users_lookupByEmail(email=email)
        except SlackCallFailed as exc:
            if exc.error == "users_not_found":
                return None
            raise
        return str(response["user"]["id"])

    def user_info(self, user_id: str) -> SlackUser | None:
        try:
            with _failures("users.info"):
                response = self._client.users_info(user=user_id)
        except SlackCallFailed as exc:
            if exc.error == "user_not_found":
                return None
            raise
        user: dict[str, Any] = response.get("user") or {}
        profile: dict[str, Any] = user.get("profile") or {}
        return SlackUser(
            id=str(user.get("id") or user_id),
            name=str(user.get("name") or ""),
            email=str(profile["email"]) if profile.get("email") else None,
            deleted=bool(user.get("deleted")),
            is_bot=bool(user.get("is_bot")),
        )

    def usergroup_members(self, usergroup_id: str) -> list[str]:
        with _failures("usergroups.users.list"):
            response = self._client.usergroups_users_list(usergroup=usergroup_id)
        users: list[str] = response.get("users", [])
        return [str(u) for u in users]

    def list_usergroups(self) -> list[Usergroup]:
        with _failures("usergroups.list"):
            response = self._client.usergroups_list()
        groups: list[dict[str, Any]] = response.get("usergroups", [])
        return [
            Usergroup(id=str(g["id"]), handle=str(g.get("handle", "")), name=str(g.get("name", "")))
            for g in groups
        ]

    def permalink(self, channel_id: str, ts: str) -> str:
        with _failures("chat.getPermalink"):
            response = self._client.chat_getPermalink(channel=channel_id, message_ts=ts)
        return str(response["permalink"])

    def history(self, channel_id: str, *, limit: int = 200) -> list[dict[str, Any]]:
        with _failures("conversations.history"):
            response = self._client.conversations_history(channel=channel_id, limit=limit)
        return list(response.get("messages", []))

    def message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        """One message by ts: a top-level one via history, else a thread reply via replies."""
        with _failures("conversations.history"):
            response = self._client.conversations_history(
                channel=channel_id, latest=ts, inclusive=True, limit=1
            )
        found = _with_ts(response.get("messages", []), ts)
        if found is not None:
            return found
        try:
            with _failures("conversations.replies"):
                replies = self._client.conversations_replies(channel=channel_id, ts=ts, limit=1)
        except SlackCallFailed as exc:
            if exc.error in {"thread_not_found", "message_not_found"}:
                return None
            raise
        return _with_ts(replies.get("messages", []), ts)

    def open_view(self, trigger_id: str, view: ModalView) -> str:
        with _failures("views.open"):
            response = self._client.views_open(trigger_id=trigger_id, view=render_modal(view))
        return str(response["view"]["id"])

    def archive(self, channel_id: str) -> None:
        try:
            with _failures("conversations.archive"):
                self._client.conversations_archive(channel=channel_id)
        except SlackCallFailed as exc:
            if exc.error != "already_archived":
                raise

    def retire_incident_buttons(self, channel_id: str, note: str) -> int:
        changed = 0
        for message in self.history(channel_id):
            blocks = retire_buttons(list(message.get("blocks") or []), note)
            if not message.get("bot_id") or blocks is None:
                continue
            with _failures("chat.update"):
                self._client.chat_update(
                    channel=channel_id,
                    ts=message["ts"],
                    text=message.get("text", ""),
                    blocks=blocks,
                )
            changed += 1
        return changed

    def unarchive(self, channel_id: str) -> None:
        try:
            with _failures("conversations.unarchive"):
                self._client.conversations_unarchive(channel=channel_id)
        except SlackCallFailed as exc:
            if exc.error != "not_archived":
                raise
        try:
            with _failures("conversations.join"):
                self._client.conversations_join(channel=channel_id)
        except SlackCallFailed as exc:
            # A private channel cannot be joined, and the bot is still in it.
            if exc.error not in {"method_not_supported_for_channel_type", "already_in_channel"}:
                raise


def _rendered(message: str | MessageView) -> tuple[str, list[dict[str, Any]] | None]:
    """(text, blocks): marshal's own text goes as it is, with no blocks at all."""
    if isinstance(message, str):
        return message, None
    rendered = render_message(message)
    return rendered.text, rendered.blocks


def _per_user_errors(data: Any) -> dict[str, str]:
    """conversations.invite's `errors: [{user, ok, error}]` as {user: error}."""
    if not isinstance(data, dict):
        return {}
    return {
        str(e["user"]): str(e.get("error", "unknown_error"))
        for e in data.get("errors") or []
        if isinstance(e, dict) and e.get("user")
    }


def _with_ts(messages: list[dict[str, Any]], ts: str) -> dict[str, Any] | None:
    return next((dict(m) for m in messages if m.get("ts") == ts), None)
