"""Fuzzing the slash-command tier: whatever a person types after `/marshal`, `dispatch` answers
with a non-empty reply and no subcommand crashes into the catch-all.

Runs the real registry of the running app (real SQLite store and audit log, the sandbox Slack
behind the gateway), inside a war room and outside one. The parsers of single arguments have
their own example tests in test_command_parsing.py.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.base import CommandReply
from tests.slack.conftest import Harness

_NAMES = [
    "help", "status", "ack", "state", "severity", "role", "note", "timeline", "invite",
    "list", "declare", "assemble", "checklist", "HELP", "nope",
]  # fmt: skip
_PIECES = [
    '"', "'", "\\", "\u201c", "\u2019", " ", "\t", "\n", "\x00", "\x1b[31m", "\u202e",
    "<@U0ALICE>", "<@U0ALICE|alice>", "<#C0TRIAGE|triage>", "<mailto:bob@example.com|bob>",
    "--severity", "--team", "--cursor=", "--all", "P0", "P1", "P9", "ic", "comms",
    "investigating", "resolved", "\U0001f525", "\u00e9", "x" * 50, "--", "=",
]  # fmt: skip

words = st.lists(st.sampled_from(_PIECES), max_size=25).map("".join)
commands = st.one_of(
    st.text(max_size=300),
    st.tuples(st.sampled_from(_NAMES), words).map(" ".join),
    st.tuples(st.sampled_from(_NAMES), st.text(max_size=200)).map(" ".join),
    st.tuples(st.sampled_from(_NAMES), st.integers(0, 4000)).map(
        lambda named: f"{named[0]} " + "word " * named[1]
    ),
)
FUZZ = settings(
    max_examples=120,
    deadline=None,  # the machine is shared; each run makes real HTTP calls
    derandomize=True,  # the same examples every run: a failure here always reproduces
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# The running app's Socket Mode client masks each websocket frame with the global `random`
# (slack_sdk's builtin client), on its own threads: a ping sent while Hypothesis draws an
# example changes the global state, and Hypothesis takes that for a strategy using `random`.
# The strategies here draw only through Hypothesis.
pytestmark = pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")


def _answered(reply: CommandReply) -> None:
    assert isinstance(reply, CommandReply)
    assert isinstance(reply.text, str) and reply.text.strip()
    assert "failed unexpectedly" not in reply.text, reply.text


@FUZZ
@given(text=commands)
def test_any_text_outside_a_war_room_gets_a_reply(harness: Harness, text: str) -> None:
    _answered(harness.slack.registry.dispatch("U0ALICE", "C0TRIAGE", text))


@pytest.mark.slow  # hypothesis over live Slack round trips
@FUZZ
@given(text=commands, user=st.sampled_from(["U0ALICE", "U0DAVE", "U0NOBODY"]))
def test_any_text_inside_a_war_room_gets_a_reply(harness: Harness, text: str, user: str) -> None:
    room = harness.war_room()
    _answered(harness.slack.registry.dispatch(user, room.channel_id or "", text))
