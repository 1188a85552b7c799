"""find_raw_markup: it catches every kind of smuggled control sequence, wherever in a call it
sits, and leaves marshal's own mentions, dates and unrendered values alone."""

from __future__ import annotations

import json

from bot.sandbox.call_log import REPLY_ACK, ApiCall
from bot.sandbox.raw_markup import find_raw_markup, known_ids

KNOWN = {"U0ALICE", "C0ROOM", "S0ONCALL"}


def _call(method: str, **args: object) -> ApiCall:
    return ApiCall(method, dict(args), 0.0, 200, True)


def test_each_kind_of_raw_markup_is_found_where_it_sits() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi <!here>"}}]
    calls = [
        _call("chat.postMessage", text="<!channel> down", blocks=json.dumps(blocks)),
        _call("conversations.setTopic", topic="P1 · <@U123> · <#C999|x>"),
        _call("chat.update", text="<!subteam^S0EVIL|@all>", attachments=[{"title": "<!everyone>"}]),
        _call(REPLY_ACK, text="see <http://evil.example|docs>"),
    ]
    found = find_raw_markup(calls, known_ids=KNOWN, hostile=["evil.example"])
    assert [(f.method, f.path, f.sequence) for f in found] == [
        ("chat.postMessage", "text", "<!channel>"),
        ("chat.postMessage", "blocks[0].text.text", "<!here>"),
        ("conversations.setTopic", "topic", "<@U123>"),
        ("conversations.setTopic", "topic", "<#C999|x>"),
        ("chat.update", "text", "<!subteam^S0EVIL|@all>"),
        ("chat.update", "attachments[0].title", "<!everyone>"),
        (REPLY_ACK, "text", "<http://evil.example|docs>"),
    ]
    assert "planted" in found[-1].why and "broadcast" in found[0].why


def test_own_mentions_escaped_text_and_unrendered_values_pass() -> None:
    calls = [
        _call(
            "chat.postMessage",
            text="IC <@U0ALICE> in <#C0ROOM> paged <!subteam^S0ONCALL> at "
            "<!date^1700000000^{time}|12:00> &lt;!channel&gt;",
        ),
        _call("views.open", view={"blocks": [{"element": {"initial_value": "<!channel>"}}]}),
        _call("chat.postMessage", blocks=[{"elements": [{"value": "<@U1>", "text": "ok"}]}]),
    ]
    assert find_raw_markup(calls, known_ids=KNOWN) == []
    # a planted marker is caught even inside a mention of a known id
    assert find_raw_markup(calls, known_ids=KNOWN, hostile=["U0ALICE"])[0].sequence == (
        "<@U0ALICE>"
    )


def test_it_reads_the_control_apis_json_and_the_workspace_ids() -> None:
    state = {"users": [{"id": "U0ALICE"}], "channels": [{"id": "C0ROOM"}], "usergroups": []}
    recorded = [{"method": "chat.postMessage", "args": {"text": "<@U0ALICE> <@U0EVE>"}}]
    [found] = find_raw_markup(recorded, known_ids=known_ids(state))
    assert found.sequence == "<@U0EVE>" and "no user, channel or group" in str(found)
