"""Commands refuse what they cannot do, clearly and without side effects: a silence beyond 7d
(it crashed with OverflowError), a report window beyond a year, and a role or an invitation
for a user Slack does not know (users.info answers user_not_found, as Slack does)."""

from __future__ import annotations

from bot.domain.audit import AuditAction
from bot.domain.models import Role
from tests.slack.conftest import Harness

NOBODY = "U0NOSUCH"


def test_a_silence_beyond_seven_days_is_refused(harness: Harness) -> None:
    room = harness.war_room()
    assert room.channel_id
    reply = harness.run("U0ALICE", room.channel_id, "silence 99999999h")
    assert "too long: at most 7d" in str(reply.get("text"))
    assert reply.get("response_type") != "in_channel"
    assert harness.incident(room.id).silenced_until is None
    week = harness.reply_text("U0ALICE", room.channel_id, "silence 7d")
    assert "paused status-update nudges for 7d" in week
    assert harness.incident(room.id).silenced_until is not None


def test_a_report_window_beyond_a_year_is_refused(harness: Harness) -> None:
    # already bounded before the one parser; kept so the move to it changes nothing
    reply = harness.reply_text("U0ALICE", "C0INCIDENTS", "report 99999999d")
    assert "is not a window like 7d or 30d (1d to 365d)" in reply
    assert "Incidents in the last 2 days" in harness.reply_text(
        "U0ALICE", "C0INCIDENTS", "report 48h"
    )


def test_a_role_for_a_user_slack_does_not_know_is_refused(harness: Harness) -> None:
    room = harness.war_room(ic="U0ALICE")
    assert room.channel_id
    reply = harness.reply_text("U0ALICE", room.channel_id, f"role comms <@{NOBODY}>")
    assert f"`{NOBODY}` was not made comms: there is no such user in this workspace" in reply
    assert f"<@{NOBODY}>" not in reply  # an unknown id typed in is not echoed as a mention
    assert Role.COMMS not in harness.incident(room.id).roles
    assert not [e for e in harness.audit.events(room.id) if e.action is AuditAction.ROLE_ASSIGNED]
    assert NOBODY not in str(harness.control.calls("conversations.open"))  # no duties DM
    # a real member still gets the role
    ok = harness.reply_text("U0ALICE", room.channel_id, "role comms <@U0BOB>")
    assert "<@U0BOB> is now *comms*" in ok


def test_an_invitation_for_a_user_slack_does_not_know_is_refused(harness: Harness) -> None:
    room = harness.war_room(members=("U0ALICE",))
    assert room.channel_id
    reply = harness.reply_text("U0ALICE", room.channel_id, f"invite <@{NOBODY}> <@U0BOB>")
    assert f"`{NOBODY}`: there is no such user in this workspace" in reply
    assert f"<@{NOBODY}>" not in reply
    assert "Invited <@U0BOB>." in reply
    assert NOBODY not in str(harness.control.calls("conversations.invite"))
