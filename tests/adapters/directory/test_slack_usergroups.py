"""Slack user groups as the directory, through the real gateway against the sandbox Slack."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.adapters.directory.slack_usergroups import SlackUsergroupDirectory
from bot.ports.directory import DirectoryUnavailable
from bot.sandbox.server import SandboxSlack
from bot.slack.gateway import WebClientSlackGateway, build_web_client


def _gateway(sandbox: SandboxSlack) -> WebClientSlackGateway:
    return WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))


def test_team_by_handle_or_mapping(sandbox: SandboxSlack) -> None:
    sandbox.reset()
    directory = SlackUsergroupDirectory(_gateway(sandbox), team_groups={"payments": "@oncall"})
    assert directory.members("oncall") == ["U0ALICE", "U0BOB"]
    assert directory.members("payments") == ["U0ALICE", "U0BOB"]
    assert directory.members("nobody") == []
    assert len(sandbox.calls("usergroups.list")) == 1  # the group list is cached


def test_slack_failure_is_directory_unavailable(sandbox: SandboxSlack) -> None:
    sandbox.reset()
    sandbox.faults.server_error("usergroups.list", times=1, status=503)
    # a bare WebClient does not retry 5xx, so the fault surfaces at once
    gateway = WebClientSlackGateway(
        WebClient(token=sandbox.bot_token, base_url=sandbox.api_url, timeout=2)
    )
    with pytest.raises(DirectoryUnavailable, match=r"usergroups\.list"):
        SlackUsergroupDirectory(gateway).members("oncall")


def test_the_group_list_is_read_again_after_its_ttl(sandbox: SandboxSlack) -> None:
    sandbox.reset()
    now = [0.0]
    directory = SlackUsergroupDirectory(
        _gateway(sandbox), groups_ttl_seconds=60, monotonic=lambda: now[0]
    )
    assert directory.members("oncall") == ["U0ALICE", "U0BOB"]
    now[0] = 59
    assert directory.members("oncall") == ["U0ALICE", "U0BOB"]
    assert len(sandbox.calls("usergroups.list")) == 1
    now[0] = 61
    assert directory.members("oncall") == ["U0ALICE", "U0BOB"]
    assert len(sandbox.calls("usergroups.list")) == 2
