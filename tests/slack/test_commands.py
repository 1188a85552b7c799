"""`/marshal` subcommands end to end: sandbox Slack over Socket Mode, real SQLite store."""

from __future__ import annotations

from bot.commands.registry import WORKSPACE_CHAIN
from bot.domain.audit import AuditAction
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, AlertStatus, Role, TimelineKind
from bot.domain.severity import Severity
from tests.eventually import eventually
from tests.slack.conftest import APPROVER, Harness

NOT_WAR_ROOM = "This channel is not an incident war room"


def test_help_lists_every_subcommand_from_the_registry(harness: Harness) -> None:
    text = harness.reply_text("U0ALICE", "C0INCIDENTS", "help")
    for sub in harness.slack.registry.subcommands():
        assert f"`/marshal {sub.name}" in text
        assert sub.summary in text
    assert harness.reply_text("U0ALICE", "C0INCIDENTS", "") == text  # empty text -> help


def test_status_outside_an_incident_channel_says_so_plainly(harness: Harness) -> None:
    text = harness.reply_text("U0ALICE", "C0INCIDENTS", "status")
    assert text.startswith(NOT_WAR_ROOM)
    assert "`/marshal list`" in text


def test_unknown_subcommand_hints_help(harness: Harness) -> None:
    text = harness.reply_text("U0ALICE", "C0INCIDENTS", "frobnicate now")
    assert text == "Unknown subcommand `frobnicate`. Try `/marshal help`."


def test_junk_arguments_get_clear_replies(harness: Harness) -> None:
    room = harness.war_room()
    channel = room.channel_id
    assert channel
    unbalanced = harness.reply_text("U0ALICE", channel, 'invite "<@U0BOB>')
    assert "quote" in unbalanced
    many = harness.reply_text("U0ALICE", channel, "invite " + " ".join(["x"] * 60))
    assert "at most 40" in many
    huge = harness.reply_text("U0ALICE", channel, "note " + "y" * 3000)
    assert "limit is 2,000" in huge
    # none of these changed the incident, and each run was audited with its outcome
    assert harness.store.list_timeline(room.id) == []
    runs = [e for e in harness.audit.events(room.id) if e.action is AuditAction.COMMAND_RUN]
    assert [e.details["outcome"] for e in runs] == ["usage", "usage", "usage"]


def test_status_in_a_war_room(harness: Harness) -> None:
    room = harness.war_room(ic="U0ALICE", title="payments down")
    assert room.channel_id
    text = harness.reply_text("U0BOB", room.channel_id, "status")
    assert "payments down" in text
    assert "P2" in text and "triggered" in text and "<@U0ALICE>" in text
    assert f"<#{room.channel_id}>" in text


def test_ack_once_then_says_who_acked(harness: Harness) -> None:
    room = harness.war_room()
    assert room.channel_id
    first = harness.run("U0BOB", room.channel_id, "ack")
    assert first["response_type"] == "in_channel"
    stored = harness.incident(room.id)
    assert stored.acknowledged_by == "U0BOB"
    assert stored.status is IncidentStatus.INVESTIGATING
    second = harness.reply_text("U0CAROL", room.channel_id, "ack")
    assert second.startswith("Already acknowledged by <@U0BOB>")
    assert harness.incident(room.id).acknowledged_by == "U0BOB"
    actions = [e.action for e in harness.audit.events(room.id)]
    assert actions.count(AuditAction.ACKNOWLEDGED) == 1
    assert AuditAction.STATUS_CHANGED in actions


def test_state_moves_through_the_state_machine_and_refuses_illegal_moves(
    harness: Harness,
) -> None:
    room = harness.war_room()
    assert room.channel_id
    harness.run("U0BOB", room.channel_id, "state identified")
    assert harness.incident(room.id).status is IncidentStatus.IDENTIFIED
    illegal = harness.reply_text("U0BOB", room.channel_id, "state identified")
    assert "cannot move from identified to identified" in illegal
    usage = harness.reply_text("U0BOB", room.channel_id, "state resolved")
    assert "Usage: `/marshal state investigating|identified|monitoring|mitigated`" in usage


def test_severity_is_permission_checked_and_refusals_are_audited(harness: Harness) -> None:
    room = harness.war_room(ic="U0ALICE")
    assert room.channel_id
    refused = harness.reply_text("U0BOB", room.channel_id, "severity P1")
    assert refused.startswith("Sorry, you may not change the severity")
    assert "<@U0ALICE>" in refused
    assert harness.incident(room.id).severity is Severity.P2
    harness.run("U0ALICE", room.channel_id, "severity P1")
    assert harness.incident(room.id).severity is Severity.P1
    harness.run(APPROVER, room.channel_id, "severity 3")
    assert harness.incident(room.id).severity is Severity.P3
    events = harness.audit.events(room.id)
    denied = [e for e in events if e.action is AuditAction.PERMISSION_DENIED]
    assert len(denied) == 1 and denied[0].actor == "U0BOB"
    assert [e.details["to"] for e in events if e.action is AuditAction.SEVERITY_CHANGED] == [
        "P1",
        "P3",
    ]


def test_role_claim_and_assign_dm_the_holder(harness: Harness) -> None:
    room = harness.war_room()
    assert room.channel_id
    harness.run("U0ALICE", room.channel_id, "role ic")
    harness.run("U0ALICE", room.channel_id, "role scribe <@U0CAROL|carol>")
    stored = harness.incident(room.id)
    assert stored.roles == {Role.IC: "U0ALICE", Role.SCRIBE: "U0CAROL"}
    dms = [c for c in harness.control.calls("chat.postMessage") if "scribe" in str(c)]
    assert dms, "the scribe got no DM with the duties"
    # taking over a held IC role needs the IC or an approver
    refused = harness.reply_text("U0BOB", room.channel_id, "role ic")
    assert refused.startswith("Sorry, you may not reassign the incident commander")
    harness.run(APPROVER, room.channel_id, "role ic <@U0BOB>")
    assert harness.incident(room.id).roles[Role.IC] == "U0BOB"
    bad = harness.reply_text("U0ALICE", room.channel_id, "role comms bob")
    assert "is not a Slack user mention" in bad


def test_note_and_paginated_timeline(harness: Harness) -> None:
    room = harness.war_room()
    assert room.channel_id
    for n in range(12):
        harness.run("U0BOB", room.channel_id, f'note step {n}: it\'s "quoted"')
    entries = harness.store.list_timeline(room.id)
    assert len(entries) == 12
    assert entries[0].kind is TimelineKind.NOTE
    assert entries[0].text == 'step 0: it\'s "quoted"'
    first = harness.reply_text("U0BOB", room.channel_id, "timeline")
    assert "step 11" in first and "step 2:" in first and "step 1:" not in first
    assert "Page 1 of 2" in first and "`/marshal timeline 2`" in first
    second = harness.reply_text("U0BOB", room.channel_id, "timeline 2")
    assert "step 1:" in second and "step 0:" in second and "Page 2 of 2" in second
    assert "only 2 timeline page" in harness.reply_text("U0BOB", room.channel_id, "timeline 9")


def test_invite_mentions_and_emails_reports_failures(harness: Harness) -> None:
    room = harness.war_room(members=("U0ALICE",))
    assert room.channel_id
    text = harness.reply_text(
        "U0ALICE",
        room.channel_id,
        "invite <@U0BOB> <mailto:carol@example.com|carol@example.com> "
        "nobody@example.com <@U0NOSUCH> banana",
    )
    assert "Invited <@U0BOB>, <@U0CAROL>." in text
    assert "`nobody@example.com`: no Slack user has that email" in text
    # what failed is shown as typed text, never echoed back as a mention
    assert "`U0NOSUCH`: there is no such user in this workspace" in text
    assert "<@U0NOSUCH>" not in text
    assert "`banana`: not a @mention or an email address" in text
    members = set(harness.control.channel(room.channel_id)["members"])
    assert {"U0BOB", "U0CAROL"} <= members


def test_list_paginates_and_falls_back_on_a_bad_cursor(harness: Harness) -> None:
    for _ in range(11):
        harness.war_room(title="listed incident")
    first = harness.reply_text("U0ALICE", "C0INCIDENTS", "list")
    assert first.count("• `inc-") == 10
    assert "More: `/marshal list --cursor " in first
    cursor = first.split("--cursor ")[1].split("`")[0]
    second = harness.reply_text("U0ALICE", "C0INCIDENTS", f"list --cursor {cursor}")
    assert "• `inc-" in second
    assert not set(_ids(first)) & set(_ids(second))
    bad = harness.reply_text("U0ALICE", "C0INCIDENTS", "list --cursor garbage!!")
    assert bad.startswith("That cursor is not valid")
    assert _ids(bad) == _ids(first)


def _ids(text: str) -> list[str]:
    return [line.split("`")[1] for line in text.splitlines() if line.startswith("• `inc-")]


def test_declare_submits_a_slack_alert(harness: Harness) -> None:
    reply = harness.run(
        "U0CAROL", "C0INCIDENTS", "declare search is slow --severity P1 --service search"
    )
    alert = harness.submitted[-1]
    assert alert.source is AlertSource.SLACK and alert.status is AlertStatus.FIRING
    assert alert.title == "search is slow" and alert.severity is Severity.P1
    assert alert.service == "search" and alert.group_key == f"slack:{alert.external_id}"
    assert reply["response_type"] == "in_channel"
    assert "declared incident `inc-" in reply["text"]
    runs = [
        e
        for e in harness.audit.events(WORKSPACE_CHAIN)
        if e.action is AuditAction.COMMAND_RUN and e.details["subcommand"] == "declare"
    ]
    assert runs and runs[-1].details == {
        "user": "U0CAROL",
        "channel": "C0INCIDENTS",
        "subcommand": "declare",
        "outcome": "ok",
    }


def test_acknowledge_button_runs_ack(harness: Harness) -> None:
    room = harness.war_room()
    assert room.channel_id
    # marshal's port takes views, not raw blocks: post the button through the Web API itself
    posted = harness.slack.app.client.chat_postMessage(
        channel=room.channel_id,
        text="New incident",
        blocks=[
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Acknowledge"},
                        "action_id": "marshal.incident.acknowledge",
                        "value": room.id,
                    }
                ],
            }
        ],
    )
    ts = str(posted["ts"])
    pressed = harness.control.press_button(
        "U0CAROL", room.channel_id, ts, "marshal.incident.acknowledge", value=room.id
    )
    assert pressed.acked
    eventually(lambda: harness.incident(room.id).acknowledged_by == "U0CAROL")


def test_declare_keeps_what_the_person_typed_not_slacks_entities(harness: Harness) -> None:
    """Slack sends `&`, `<`, `>` of a command as entities (should_escape); the title is what
    was typed, so it is not shown as `&amp;amp;` later."""
    harness.run("U0CAROL", "C0INCIDENTS", "declare checkout & payments <down> --severity P3")
    assert harness.submitted[-1].title == "checkout & payments <down>"


def test_invite_by_email_names_the_address_not_slacks_mailto_markup(harness: Harness) -> None:
    room = harness.war_room(members=("U0ALICE",))
    assert room.channel_id
    text = harness.reply_text("U0ALICE", room.channel_id, "invite nobody@example.com")
    assert "`nobody@example.com`: no Slack user has that email" in text
    assert "mailto" not in text
