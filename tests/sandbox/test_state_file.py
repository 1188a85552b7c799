"""The sandbox's workspace survives a restart in its state file, and ids are never reused."""

from __future__ import annotations

import json
from pathlib import Path

from slack_sdk import WebClient

from bot.sandbox.records import BOT_USER_ID
from bot.sandbox.server import SandboxSlack
from bot.sandbox.state_file import StateFile
from bot.sandbox.workspace import Workspace


def _client(slack: SandboxSlack) -> WebClient:
    return WebClient(token=slack.bot_token, base_url=slack.api_url)


def test_a_restarted_sandbox_keeps_its_channels_and_history_and_ids_go_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sandbox-slack.json"
    with SandboxSlack(state_path=path) as first:
        assert not first.restored
        room = _client(first).conversations_create(name="inc-one", is_private=True)
        room_id = room["channel"]["id"]
        _client(first).chat_postMessage(channel=room_id, text="first words")
    with SandboxSlack(state_path=path) as second:
        assert second.restored
        web = _client(second)
        history = web.conversations_history(channel=room_id)["messages"]
        assert [m["text"] for m in history] == ["first words"]
        again = web.conversations_create(name="inc-two", is_private=True)["channel"]["id"]
        assert again != room_id
        assert int(again[1:]) > int(room_id[1:])
        # a clean stop hands out the next id, not the next reserved block
        assert int(again[1:]) == int(room_id[1:]) + 1


def test_after_a_crash_no_id_handed_out_before_it_is_handed_out_again(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-slack.json"
    before = Workspace()
    StateFile(path, lambda: before).load_into(before)
    lost = before.create_channel("inc-lost", is_private=True, creator=BOT_USER_ID)
    # no save after the create: the process died here, the channel is gone with it
    after = Workspace()
    assert StateFile(path, lambda: after).load_into(after)
    assert lost.id not in after.channels
    fresh = after.create_channel("inc-lost", is_private=True, creator=BOT_USER_ID)
    assert fresh.id != lost.id
    assert json.loads(path.read_text())["id_ceiling"] > int(fresh.id[1:])


def test_an_unreadable_state_file_is_set_aside_and_the_sandbox_starts_fresh(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sandbox-slack.json"
    path.write_text("{not json")
    with SandboxSlack(state_path=path) as slack:
        assert not slack.restored
        assert "C0INCIDENTS" in slack.workspace.channels
    assert (tmp_path / "sandbox-slack.broken.json").read_text() == "{not json"
    assert json.loads(path.read_text())["clean"] is True


def test_reset_keeps_counting_ids(tmp_path: Path) -> None:
    with SandboxSlack(state_path=tmp_path / "s.json") as slack:
        one = _client(slack).conversations_create(name="one")["channel"]["id"]
        slack.reset()
        two = _client(slack).conversations_create(name="two")["channel"]["id"]
        assert int(two[1:]) == int(one[1:]) + 1
