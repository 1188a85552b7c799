"""The Slack app manifest declares exactly the bot scopes the code's Web API calls need."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "infra" / "slack-app-manifest.yaml"
GATEWAY = ROOT / "bot" / "slack" / "gateway.py"

# Web API method -> bot scopes any one of which allows it (private war rooms, and public
# ones for the severities in MARSHAL_PUBLIC_ROOMS).
_MANAGE = {"groups:write", "channels:manage"}
_HISTORY = {"groups:history", "channels:history"}
METHOD_SCOPES: dict[str, set[str]] = {
    "conversations.create": _MANAGE,
    "conversations.list": {"channels:read", "groups:read"},
    "conversations.setTopic": _MANAGE,
    "conversations.setPurpose": _MANAGE,
    "conversations.invite": _MANAGE,
    "conversations.open": {"im:write"},
    "conversations.history": _HISTORY,
    "conversations.replies": _HISTORY,
    "conversations.archive": _MANAGE,
    "conversations.unarchive": _MANAGE,
    "conversations.join": {"channels:join"},  # back into a public room after an unarchive
    "chat.postMessage": {"chat:write"},
    "chat.update": {"chat:write"},
    "views.open": set(),  # a modal needs only the trigger_id of the interaction
    "chat.postEphemeral": {"chat:write"},
    "chat.getPermalink": set(),  # needs no scope
    "pins.add": {"pins:write"},
    "bookmarks.add": {"bookmarks:write"},
    "users.lookupByEmail": {"users:read.email"},
    "users.info": {"users:read"},  # profile.email in it also needs users:read.email
    "usergroups.list": {"usergroups:read"},
    "usergroups.users.list": {"usergroups:read"},
}
# conversations.list asks for both channel types, so it needs both read scopes.
ALL_OF: dict[str, set[str]] = {"conversations.list": {"channels:read", "groups:read"}}
EVENT_SCOPES = {"reaction_added": "reactions:read", "reaction_removed": "reactions:read"}
# users:read.email only works alongside users:read; slash commands need `commands`.
IMPLIED = {"users:read", "commands"}


def _manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return loaded


def _called_methods() -> set[str]:
    return set(re.findall(r'_failures\("([a-zA-Z.]+)"\)', GATEWAY.read_text()))


def test_every_called_method_is_in_the_table() -> None:
    called = _called_methods()
    assert "chat.postMessage" in called  # the regex found the calls at all
    assert called - set(METHOD_SCOPES) == set(), "add the new method's scope to METHOD_SCOPES"


def test_every_called_method_is_covered_by_a_declared_scope() -> None:
    declared = set(_manifest()["oauth_config"]["scopes"]["bot"])
    for method in _called_methods():
        needed = METHOD_SCOPES[method]
        assert not needed or needed & declared, f"{method} needs one of {needed}"
        assert ALL_OF.get(method, set()) <= declared, method


def test_no_scope_is_declared_that_nothing_uses() -> None:
    declared = set(_manifest()["oauth_config"]["scopes"]["bot"])
    used = set().union(*(METHOD_SCOPES[m] for m in _called_methods()))
    events = _manifest()["settings"]["event_subscriptions"]["bot_events"]
    used |= {EVENT_SCOPES[e] for e in events} | IMPLIED
    assert declared == used


def test_socket_mode_interactivity_and_the_command_are_on() -> None:
    manifest = _manifest()
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == ["/marshal"]
    assert manifest["features"]["slash_commands"][0]["should_escape"] is True
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(EVENT_SCOPES)
