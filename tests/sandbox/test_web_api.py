"""The sandbox's Web API through slack_sdk's real WebClient: Slack's rules, errors and faults."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.sandbox.server import SandboxSlack


@pytest.mark.parametrize(
    "name", ["Has-Capitals", "has space", "emoji-🔥", "x" * 81, "", "dots.not.allowed"]
)
def test_conversations_create_enforces_slack_channel_names(web: WebClient, name: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        web.conversations_create(name=name)
    assert raised.value.response["error"] == "invalid_name"


def test_conversations_create_private_then_name_taken(web: WebClient) -> None:
    created = web.conversations_create(name="inc-create_1", is_private=True)

    assert created["channel"]["is_private"] is True
    assert created["channel"]["name"] == "inc-create_1"
    assert created["channel"]["is_member"] is True
    with pytest.raises(SlackApiError) as raised:
        web.conversations_create(name="inc-create_1")
    assert raised.value.response["error"] == "name_taken"
    assert len(web.conversations_create(name="y" * 80)["channel"]["name"]) == 80


def test_invite_partial_failure_has_slacks_errors_shape_and_invites_nobody(
    web: WebClient,
) -> None:
    channel = web.conversations_create(name="inc-invite-1", is_private=True)["channel"]["id"]

    with pytest.raises(SlackApiError) as raised:
        web.conversations_invite(channel=channel, users=["U0ALICE", "U0NOBODY", "U0MARSHAL"])

    assert raised.value.response.data == {
        "ok": False,
        "error": "user_not_found",
        "errors": [
            {"user": "U0NOBODY", "ok": False, "error": "user_not_found"},
            {"user": "U0MARSHAL", "ok": False, "error": "cant_invite_self"},
        ],
    }
    assert web.conversations_members(channel=channel)["members"] == ["U0MARSHAL"]


def test_invite_with_force_invites_the_valid_users(web: WebClient) -> None:
    channel = web.conversations_create(name="inc-invite-2", is_private=True)["channel"]["id"]
    web.conversations_invite(channel=channel, users=["U0BOB"])

    answer = web.conversations_invite(channel=channel, users=["U0ALICE", "U0BOB"], force=True)

    assert answer["errors"] == [{"user": "U0BOB", "ok": False, "error": "already_in_channel"}]
    members = web.conversations_members(channel=channel)["members"]
    assert members == ["U0MARSHAL", "U0BOB", "U0ALICE"]


def test_invite_rejects_more_than_slacks_limit(web: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        web.conversations_invite(channel="C0TRIAGE", users=[f"U{i}" for i in range(1001)])
    assert raised.value.response["error"] == "too_many_users"


def test_history_is_newest_first_with_cursor_pagination_and_threads(web: WebClient) -> None:
    channel = web.conversations_create(name="inc-history")["channel"]["id"]
    first = web.chat_postMessage(channel=channel, text="one")["ts"]
    web.chat_postMessage(channel=channel, text="two")
    web.chat_postMessage(channel=channel, text="reply", thread_ts=first)
    web.chat_postMessage(channel=channel, text="three")

    page1 = web.conversations_history(channel=channel, limit=2)
    page2 = web.conversations_history(
        channel=channel, limit=2, cursor=page1["response_metadata"]["next_cursor"]
    )

    assert [m["text"] for m in page1["messages"]] == ["three", "two"]
    assert page1["has_more"] is True
    assert [m["text"] for m in page2["messages"]] == ["one"]
    assert page2["messages"][0]["reply_count"] == 1
    assert page2["response_metadata"]["next_cursor"] == ""
    replies = web.conversations_replies(channel=channel, ts=first)["messages"]
    assert [m["text"] for m in replies] == ["one", "reply"]


def test_topic_purpose_pins_bookmarks_and_permalink(web: WebClient, sandbox: SandboxSlack) -> None:
    channel = web.conversations_create(name="inc-furniture", is_private=True)["channel"]["id"]
    ts = web.chat_postMessage(channel=channel, text="checklist")["ts"]

    web.conversations_setTopic(channel=channel, topic="P1: checkout down")
    web.conversations_setPurpose(channel=channel, purpose="War room")
    web.pins_add(channel=channel, timestamp=ts)
    web.bookmarks_add(channel_id=channel, title="Runbook", type="link", link="https://rb.example")

    info = web.conversations_info(channel=channel)["channel"]
    assert info["topic"]["value"] == "P1: checkout down"
    assert info["purpose"]["value"] == "War room"
    assert web.pins_list(channel=channel)["items"][0]["message"]["ts"] == ts
    assert web.bookmarks_list(channel_id=channel)["bookmarks"][0]["link"] == "https://rb.example"
    permalink = web.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    assert permalink == f"{sandbox.url}/archives/{channel}/p{ts.replace('.', '')}"
    with pytest.raises(SlackApiError) as raised:
        web.conversations_setTopic(channel=channel, topic="x" * 251)
    assert raised.value.response["error"] == "too_long"
    with pytest.raises(SlackApiError) as raised:
        web.pins_add(channel=channel, timestamp=ts)
    assert raised.value.response["error"] == "already_pinned"


def test_users_and_usergroups(web: WebClient) -> None:
    assert web.users_lookupByEmail(email="bob@example.com")["user"]["id"] == "U0BOB"
    with pytest.raises(SlackApiError) as raised:
        web.users_lookupByEmail(email="nobody@example.com")
    assert raised.value.response["error"] == "users_not_found"
    with pytest.raises(SlackApiError) as raised:
        web.users_info(user="U0NOBODY")
    assert raised.value.response["error"] == "user_not_found"
    group = web.usergroups_list()["usergroups"][0]
    assert web.usergroups_users_list(usergroup=group["id"])["users"] == ["U0ALICE", "U0BOB"]


def test_dm_open_is_idempotent_and_posting_to_a_user_lands_there(web: WebClient) -> None:
    opened = web.conversations_open(users="U0CAROL")["channel"]["id"]
    again = web.conversations_open(users="U0CAROL")

    web.chat_postMessage(channel="U0CAROL", text="you are paged")

    assert again["channel"]["id"] == opened
    assert again["already_open"] is True
    assert web.conversations_history(channel=opened)["messages"][0]["text"] == "you are paged"


def test_tokens_are_checked(sandbox: SandboxSlack) -> None:
    wrong = WebClient(token="xoxb-wrong", base_url=sandbox.api_url)
    app_level = WebClient(token=sandbox.app_token, base_url=sandbox.api_url)
    bot = WebClient(token=sandbox.bot_token, base_url=sandbox.api_url)

    cases: tuple[tuple[Callable[[], object], str], ...] = (
        (wrong.auth_test, "invalid_auth"),
        (lambda: WebClient(base_url=sandbox.api_url).auth_test(), "not_authed"),
        (
            lambda: app_level.chat_postMessage(channel="C0TRIAGE", text="x"),
            "not_allowed_token_type",
        ),
        (lambda: bot.apps_connections_open(app_token=sandbox.bot_token), "not_allowed_token_type"),
    )
    for call, error in cases:
        with pytest.raises(SlackApiError) as raised:
            call()
        assert raised.value.response["error"] == error
    assert app_level.apps_connections_open(app_token=sandbox.app_token)["url"].startswith(
        f"ws://{sandbox.host}:{sandbox.port}/socket-mode/"
    )


def test_unknown_methods_and_the_call_log(web: WebClient, sandbox: SandboxSlack) -> None:
    with pytest.raises(SlackApiError) as raised:
        web.api_call("incidents.summon", json={"who": "everyone"})
    assert raised.value.response["error"] == "unknown_method"

    call = sandbox.calls("incidents.summon")[-1]
    assert call.args == {"who": "everyone"}
    assert call.ok is False
    assert call.error == "unknown_method"


def test_rate_limit_is_honoured_by_slack_sdks_retry_handler(sandbox: SandboxSlack) -> None:
    client = WebClient(
        token=sandbox.bot_token,
        base_url=sandbox.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    sandbox.faults.rate_limit("chat.postMessage", times=1, retry_after=1)

    posted = client.chat_postMessage(channel="C0TRIAGE", text="after the limit")

    assert posted["ok"] is True
    limited, retried = sandbox.calls("chat.postMessage")[-2:]
    assert (limited.status, limited.error) == (429, "ratelimited")
    assert (retried.status, retried.ok) == (200, True)
    assert retried.args["text"] == limited.args["text"] == "after the limit"
    assert retried.at - limited.at >= 1.0  # the client waited out Retry-After


def test_server_errors_and_latency_are_injected(web: WebClient, sandbox: SandboxSlack) -> None:
    sandbox.faults.server_error("conversations.info", status=503)

    with pytest.raises(SlackApiError) as raised:
        web.conversations_info(channel="C0TRIAGE")
    assert raised.value.response.status_code == 503
    assert web.conversations_info(channel="C0TRIAGE")["ok"] is True

    sandbox.faults.set_latency(0.05, "users.info")
    assert sandbox.faults.latency_for("users.info") == 0.05
    assert sandbox.faults.latency_for("users.list") == 0.0
    try:
        web.users_info(user="U0ALICE")
    finally:
        sandbox.faults.clear()
    assert sandbox.calls("users.info")[-1].ok is True


def test_page_lists_channels_and_escapes_message_text(
    web: WebClient, sandbox: SandboxSlack
) -> None:
    web.chat_postMessage(channel="C0INCIDENTS", text="<script>alert('pwned')</script> & more")

    with urllib.request.urlopen(f"{sandbox.url}/", timeout=5) as response:
        page = response.read().decode()

    assert "#incidents" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt; &amp; more" in page
    assert "setInterval(() => refresh(false), 3000)" in page
