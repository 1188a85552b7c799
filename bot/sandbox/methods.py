"""Web API method handlers: Slack's arguments in, Slack-shaped `ok` replies out.

Each handler takes the call's context and arguments and returns the reply body without `ok`;
failures raise `SlackError` with Slack's error code. `METHODS` maps method names to handlers;
`web_api.py` owns HTTP, auth, faults and the call log around them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.sandbox import payloads
from bot.sandbox.records import BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME, SlackError
from bot.sandbox.socket_mode import SocketModeHub
from bot.sandbox.workspace import Workspace

MAX_INVITE_USERS = 1000  # conversations.invite: "invites 1-1000 users" (docs.slack.dev)
DEFAULT_PAGE = 100
MAX_PAGE = 1000

T = TypeVar("T")


@dataclass
class CallContext:
    workspace: Workspace
    hub: SocketModeHub
    ws_base: str  # ws://host:port, where Socket Mode tickets are served
    actor: str = BOT_USER_ID


class Args:
    """A call's arguments from query, form or JSON body; JSON-typed fields may arrive as strings."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def text(self, name: str, default: str = "") -> str:
        value = self.values.get(name)
        return default if value is None else str(value)

    def required(self, name: str, error: str) -> str:
        value = self.text(name).strip()
        if not value:
            raise SlackError(error)
        return value

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes")

    def number(self, name: str, default: int) -> int:
        try:
            return int(self.values.get(name, default))
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments") from None

    def structured(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else None
            except ValueError:
                raise SlackError(f"invalid_{name}") from None
        return value

    def blocks(self) -> list[dict[str, Any]] | None:
        blocks = self.structured("blocks")
        if blocks is None:
            return None
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks")
        return blocks

    def csv(self, name: str) -> list[str]:
        value = self.values.get(name) or ""
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]


def paginate(items: Sequence[T], args: Args) -> tuple[list[T], dict[str, Any]]:
    """Slack's cursor pagination: an opaque `next_cursor`, empty on the last page."""
    limit = args.number("limit", DEFAULT_PAGE) or DEFAULT_PAGE
    limit = max(1, min(limit, MAX_PAGE))
    start = 0
    cursor = args.text("cursor")
    if cursor:
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("offset:"))
        except ValueError:
            raise SlackError("invalid_cursor") from None
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    next_cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
    return page, {"next_cursor": next_cursor}


# auth, apps, team -----------------------------------------------------------------------------


def auth_test(ctx: CallContext, args: Args) -> dict[str, Any]:
    return {
        "url": f"{ctx.workspace.base_url}/",
        "team": TEAM_NAME,
        "user": "marshal",
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def apps_connections_open(ctx: CallContext, args: Args) -> dict[str, Any]:
    return {"url": f"{ctx.ws_base}/socket-mode/{ctx.hub.issue_ticket()}"}


def team_info(ctx: CallContext, args: Args) -> dict[str, Any]:
    return {
        "team": {
            "id": TEAM_ID,
            "name": TEAM_NAME,
            "domain": TEAM_DOMAIN,
            "email_domain": "example.com",
            "icon": {"image_default": True},
            "url": f"{ctx.workspace.base_url}/",
        }
    }


# chat -----------------------------------------------------------------------------------------


def chat_post_message(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel = ctx.workspace.resolve_channel(
        args.required("channel", "channel_not_found"), actor=ctx.actor
    )
    message = ctx.workspace.post_message(
        channel.id,
        author=ctx.actor,
        text=args.text("text"),
        blocks=args.blocks(),
        thread_ts=args.text("thread_ts") or None,
    )
    return {"channel": channel.id, "ts": message.ts, "message": message.to_api()}


def chat_update(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel_id = args.required("channel", "channel_not_found")
    ts = args.required("ts", "message_not_found")
    text = args.values.get("text")
    message = ctx.workspace.update_message(
        channel_id,
        ts,
        actor=ctx.actor,
        text=None if text is None else str(text),
        blocks=args.blocks(),
    )
    return {"channel": channel_id, "ts": ts, "text": message.text, "message": message.to_api()}


def chat_post_ephemeral(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel = ctx.workspace.resolve_channel(
        args.required("channel", "channel_not_found"), actor=ctx.actor
    )
    ephemeral = ctx.workspace.post_ephemeral(
        channel.id,
        author=ctx.actor,
        to_user=args.required("user", "user_not_found"),
        text=args.text("text"),
        blocks=args.blocks(),
        thread_ts=args.text("thread_ts") or None,
    )
    return {"message_ts": ephemeral.ts}


def chat_get_permalink(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel = ctx.workspace.visible_channel(
        args.required("channel", "channel_not_found"), ctx.actor
    )
    ts = args.required("message_ts", "message_not_found")
    channel.message(ts)
    return {"channel": channel.id, "permalink": ctx.workspace.permalink(channel.id, ts)}


# conversations --------------------------------------------------------------------------------


def conversations_create(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel = ctx.workspace.create_channel(
        args.text("name"), is_private=args.flag("is_private"), creator=ctx.actor
    )
    return {"channel": channel.to_api()}


def conversations_info(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel = ctx.workspace.visible_channel(
        args.required("channel", "channel_not_found"), ctx.actor
    )
    return {"channel": channel.to_api()}


def conversations_list(ctx: CallContext, args: Args) -> dict[str, Any]:
    channels = ctx.workspace.list_channels(
        actor=ctx.actor,
        types=args.csv("types") or ["public_channel"],
        exclude_archived=args.flag("exclude_archived"),
    )
    page, metadata = paginate(channels, args)
    return {"channels": [c.to_api() for c in page], "response_metadata": metadata}


def conversations_set_topic(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel = ctx.workspace.set_topic(
        args.required("channel", "channel_not_found"), args.text("topic"), actor=ctx.actor
    )
    return {"channel": channel.to_api()}


def conversations_set_purpose(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel = ctx.workspace.set_topic(
        args.required("channel", "channel_not_found"),
        args.text("purpose"),
        actor=ctx.actor,
        purpose=True,
    )
    return {"channel": channel.to_api()}


def conversations_invite(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel_id = args.required("channel", "channel_not_found")
    users = args.csv("users")
    if not users:
        raise SlackError("no_user")
    if len(users) > MAX_INVITE_USERS:
        raise SlackError("too_many_users")
    force = args.flag("force")
    channel, errors = ctx.workspace.invite(channel_id, users, actor=ctx.actor, force=force)
    if errors and not force:
        # Slack's shape: the first failure as `error`, each failing user in `errors`.
        raise SlackError(errors[0]["error"], errors=errors)
    body: dict[str, Any] = {"channel": channel.to_api()}
    if errors:
        body["errors"] = errors
    return body


def conversations_members(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel = ctx.workspace.visible_channel(
        args.required("channel", "channel_not_found"), ctx.actor
    )
    page, metadata = paginate(list(channel.members), args)
    return {"members": page, "response_metadata": metadata}


def conversations_history(ctx: CallContext, args: Args) -> dict[str, Any]:
    messages = ctx.workspace.history(args.required("channel", "channel_not_found"), actor=ctx.actor)
    page, metadata = paginate(messages, args)
    return {
        "messages": [m.to_api() for m in page],
        "has_more": bool(metadata["next_cursor"]),
        "pin_count": 0,
        "response_metadata": metadata,
    }


def conversations_replies(ctx: CallContext, args: Args) -> dict[str, Any]:
    thread = ctx.workspace.replies(
        args.required("channel", "channel_not_found"),
        args.required("ts", "thread_not_found"),
        actor=ctx.actor,
    )
    page, metadata = paginate(thread, args)
    return {
        "messages": [m.to_api() for m in page],
        "has_more": bool(metadata["next_cursor"]),
        "response_metadata": metadata,
    }


def conversations_open(ctx: CallContext, args: Args) -> dict[str, Any]:
    users = args.csv("users")
    if args.text("channel"):
        channel = ctx.workspace.visible_channel(args.text("channel"), ctx.actor)
        existed = True
    elif len(users) == 1:
        channel, existed = ctx.workspace.open_im(users[0])
    elif not users:
        raise SlackError("users_list_not_supplied")
    else:
        raise SlackError("not_enabled")  # group DMs are out of the sandbox's scope
    body: dict[str, Any] = {
        "channel": channel.to_api() if args.flag("return_im") else {"id": channel.id}
    }
    if existed:
        body.update(no_op=True, already_open=True)
    return body


def conversations_archive(ctx: CallContext, args: Args) -> dict[str, Any]:
    ctx.workspace.archive(args.required("channel", "channel_not_found"), actor=ctx.actor)
    return {}


def conversations_unarchive(ctx: CallContext, args: Args) -> dict[str, Any]:
    ctx.workspace.unarchive(args.required("channel", "channel_not_found"), actor=ctx.actor)
    return {}


def conversations_join(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel, already = ctx.workspace.join(
        args.required("channel", "channel_not_found"), actor=ctx.actor
    )
    body: dict[str, Any] = {"channel": channel.to_api()}
    if already:
        body.update(
            warning="already_in_channel",
            response_metadata={"warnings": ["already_in_channel"]},
        )
    return body


# pins, bookmarks, reactions -------------------------------------------------------------------


def pins_add(ctx: CallContext, args: Args) -> dict[str, Any]:
    ctx.workspace.pin(
        args.required("channel", "channel_not_found"),
        args.required("timestamp", "no_item_specified"),
        actor=ctx.actor,
    )
    return {}


def pins_list(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel = ctx.workspace.visible_channel(
        args.required("channel", "channel_not_found"), ctx.actor
    )
    items = [
        {
            "type": "message",
            "created": pin.created,
            "created_by": pin.created_by,
            "channel": channel.id,
            "message": channel.message(pin.ts).to_api(pinned_in=channel.id),
        }
        for pin in channel.pins
    ]
    return {"items": items}


def bookmarks_add(ctx: CallContext, args: Args) -> dict[str, Any]:
    if args.text("type", "link") != "link":
        raise SlackError("invalid_type")
    bookmark = ctx.workspace.add_bookmark(
        args.required("channel_id", "channel_not_found"),
        actor=ctx.actor,
        title=args.text("title"),
        link=args.text("link"),
        emoji=args.text("emoji"),
    )
    return {"bookmark": bookmark.to_api()}


def bookmarks_list(ctx: CallContext, args: Args) -> dict[str, Any]:
    channel = ctx.workspace.visible_channel(
        args.required("channel_id", "channel_not_found"), ctx.actor
    )
    return {"bookmarks": [b.to_api() for b in channel.bookmarks]}


def _react(ctx: CallContext, args: Args, *, removed: bool) -> dict[str, Any]:
    channel_id = args.required("channel", "channel_not_found")
    ts = args.required("timestamp", "no_item_specified")
    name = args.required("name", "invalid_name")
    message = ctx.workspace.react(channel_id, ts, name, actor=ctx.actor, remove=removed)
    if ctx.actor in ctx.workspace.channel(channel_id).members:
        ctx.hub.emit(
            "events_api",
            payloads.reaction_event(
                user_id=ctx.actor,
                name=name.strip(":"),
                channel_id=channel_id,
                ts=ts,
                item_user=message.user,
                removed=removed,
            ),
        )
    return {}


def reactions_add(ctx: CallContext, args: Args) -> dict[str, Any]:
    return _react(ctx, args, removed=False)


def reactions_remove(ctx: CallContext, args: Args) -> dict[str, Any]:
    return _react(ctx, args, removed=True)


# users, user groups ---------------------------------------------------------------------------


def users_info(ctx: CallContext, args: Args) -> dict[str, Any]:
    return {"user": ctx.workspace.user(args.required("user", "user_not_found")).to_api()}


def users_list(ctx: CallContext, args: Args) -> dict[str, Any]:
    page, metadata = paginate(ctx.workspace.list_users(), args)
    return {"members": [u.to_api() for u in page], "response_metadata": metadata}


def users_lookup_by_email(ctx: CallContext, args: Args) -> dict[str, Any]:
    user = ctx.workspace.user_by_email(args.required("email", "users_not_found"))
    return {"user": user.to_api()}


def usergroups_list(ctx: CallContext, args: Args) -> dict[str, Any]:
    include_users = args.flag("include_users")
    groups = list(ctx.workspace.usergroups.values())
    return {"usergroups": [g.to_api(include_users=include_users) for g in groups]}


def usergroups_users_list(ctx: CallContext, args: Args) -> dict[str, Any]:
    group = ctx.workspace.usergroup(args.required("usergroup", "no_such_subteam"))
    return {"users": list(group.users)}


# views ----------------------------------------------------------------------------------------


def _view_arg(args: Args) -> dict[str, Any]:
    view = args.structured("view")
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments")
    return view


def views_open(ctx: CallContext, args: Args) -> dict[str, Any]:
    trigger_id = args.required("trigger_id", "invalid_trigger_id")
    return {"view": ctx.workspace.open_view(_view_arg(args), trigger_id=trigger_id)}


def views_push(ctx: CallContext, args: Args) -> dict[str, Any]:
    trigger_id = args.required("trigger_id", "invalid_trigger_id")
    views = ctx.workspace.views
    previous = next(reversed(views)) if views else None
    return {
        "view": ctx.workspace.open_view(_view_arg(args), trigger_id=trigger_id, previous=previous)
    }


def views_update(ctx: CallContext, args: Args) -> dict[str, Any]:
    view = ctx.workspace.update_view(
        _view_arg(args),
        view_id=args.text("view_id") or None,
        external_id=args.text("external_id") or None,
        hash_=args.text("hash") or None,
    )
    return {"view": view}


Handler = Callable[[CallContext, Args], dict[str, Any]]

METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "apps.connections.open": apps_connections_open,
    "team.info": team_info,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.getPermalink": chat_get_permalink,
    "conversations.create": conversations_create,
    "conversations.info": conversations_info,
    "conversations.list": conversations_list,
    "conversations.setTopic": conversations_set_topic,
    "conversations.setPurpose": conversations_set_purpose,
    "conversations.invite": conversations_invite,
    "conversations.members": conversations_members,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "conversations.open": conversations_open,
    "conversations.archive": conversations_archive,
    "conversations.join": conversations_join,
    "conversations.unarchive": conversations_unarchive,
    "pins.add": pins_add,
    "pins.list": pins_list,
    "bookmarks.add": bookmarks_add,
    "bookmarks.list": bookmarks_list,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "users.info": users_info,
    "users.list": users_list,
    "users.lookupByEmail": users_lookup_by_email,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
}

APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
