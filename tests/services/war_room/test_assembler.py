"""WarRoomAssembler end to end: the sandbox Slack over HTTP, the real SQLite store and audit."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.directory.workos import WorkOSDirectory
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.domain.audit import AuditAction, AuditEvent, verify_chain
from bot.domain.errors import BackendUnavailable
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Link
from bot.services.war_room.assembler import REQUIRED_STEPS, is_assembled
from bot.services.war_room.channel_name import channel_name
from bot.services.war_room.steps import StepName
from tests.adapters.directory.fake_workos import WorkOSState, fake_workos
from tests.services.war_room.conftest import (
    ANNOUNCE,
    TEAM_SIZE,
    SimulatedCrash,
    WarRoomKit,
    crash_after,
)

# One of each per room: create, topic, purpose, invite, context + card + checklist + the
# announcement card, pins of the card and the checklist,
# one bookmark per link.
EXPECTED_CALLS = {
    "conversations.create": 1,
    "conversations.setTopic": 1,
    "conversations.setPurpose": 1,
    "conversations.invite": 1,
    "chat.postMessage": 4,
    "pins.add": 2,
    "bookmarks.add": 2,
}


def _call_counts(kit: WarRoomKit) -> dict[str, int]:
    return {method: kit.calls(method) for method in EXPECTED_CALLS}


def test_assembles_a_private_staffed_briefed_room(kit: WarRoomKit) -> None:
    incident = kit.new_incident()
    room = kit.assembler().assemble(incident.id)

    assert room.status is IncidentStatus.INVESTIGATING and is_assembled(room)
    assert room.assembled_at is not None and room.assembly_seconds is not None
    assert room.channel_name == channel_name(incident.id, incident.title)
    channel = kit.sandbox.workspace.channel(room.channel_id or "")
    assert channel.is_private
    expected = {"U0ALICE", "U0BOB", "U0CAROL"} | {f"U1TEAM{n:03d}" for n in range(TEAM_SIZE)}
    assert expected <= set(channel.members)
    assert channel.topic.value.startswith("P1 · checkout · IC: unassigned")
    assert incident.id in channel.purpose.value
    assert room.checklist_ts and channel.pinned(room.checklist_ts)
    assert {b.link for b in channel.bookmarks} == {link.url for link in incident.links}
    announcement = kit.sandbox.workspace.channel(ANNOUNCE).messages[-1]
    assert f"<#{room.channel_id}>" in announcement.text
    assert _call_counts(kit) == EXPECTED_CALLS

    actions = kit.actions(incident.id)
    for action in (
        AuditAction.ASSEMBLY_STARTED,
        AuditAction.WAR_ROOM_CREATED,
        AuditAction.CHECKLIST_PINNED,
        AuditAction.BOOKMARKS_ADDED,
        AuditAction.ANNOUNCED,
        AuditAction.ASSEMBLY_COMPLETED,
    ):
        assert actions.count(action) == 1, action
    invited = [
        e.details["user_ids"]
        for e in kit.audit.events(incident.id)
        if e.action is AuditAction.RESPONDER_INVITED
    ]
    assert len(invited) == 1 and sorted(invited[0]) == sorted(expected)
    completed = kit.audit.events(incident.id)[-1]
    assert set(completed.details["steps"]) >= {s.value for s in REQUIRED_STEPS}
    assert kit.assembled == [room]
    observed = kit.metrics.registry.get_sample_value(
        "marshal_war_room_assembly_seconds_count", {"severity": "P1"}
    )
    assert observed == 1


def test_assembling_an_assembled_incident_changes_nothing(kit: WarRoomKit) -> None:
    incident = kit.new_incident()
    assembler = kit.assembler()
    first = assembler.assemble(incident.id)
    again = assembler.assemble(incident.id)
    assert again == first
    assert _call_counts(kit) == EXPECTED_CALLS
    assert len(kit.assembled) == 1


@pytest.mark.parametrize("step", [s.value for s in REQUIRED_STEPS])
def test_a_crash_after_any_step_resumes_without_redoing_anything(
    kit: WarRoomKit, step: str
) -> None:
    incident = kit.new_incident()
    with pytest.raises(SimulatedCrash):
        kit.assembler(after_step=crash_after(step)).assemble(incident.id)
    halfway = kit.store.get(incident.id)
    assert halfway is not None and step in halfway.assembly
    assert halfway.status is IncidentStatus.ASSEMBLING

    room = kit.assembler().assemble(incident.id)

    assert room.status is IncidentStatus.INVESTIGATING and is_assembled(room)
    assert _call_counts(kit) == EXPECTED_CALLS
    assert len(kit.sandbox.workspace.channels) == 3  # incidents, triage, the one room
    assert verify_chain(incident.id, kit.audit.events(incident.id), kit.audit.keys) is None
    assert kit.actions(incident.id).count(AuditAction.WAR_ROOM_CREATED) == 1


def test_a_crash_between_create_and_record_adopts_the_channel(kit: WarRoomKit) -> None:
    incident = kit.new_incident()
    name = channel_name(incident.id, incident.title)
    # What a crashed run leaves: the planned name on the incident, the channel in Slack.
    planned = kit.store.update(
        incident.model_copy(update={"channel_name": name}), expected_version=incident.version
    )
    created = kit.slack.create_private_channel(name)

    room = kit.assembler().assemble(planned.id)

    assert room.channel_id == created.id and room.channel_name == name
    assert kit.calls("conversations.create") == 1


def test_a_taken_name_gets_a_suffix(kit: WarRoomKit) -> None:
    incident = kit.new_incident()
    taken = channel_name(incident.id, incident.title)
    kit.sandbox.workspace.create_channel(taken, is_private=False, creator="U0ALICE")

    room = kit.assembler().assemble(incident.id)

    assert room.channel_name == f"{taken}-2"
    assert room.status is IncidentStatus.INVESTIGATING


def test_no_channel_means_assembly_failed_and_a_retry_recovers(kit: WarRoomKit) -> None:
    incident = kit.new_incident()
    for attempt in range(2):  # someone else holds both names the assembler may try
        name = channel_name(incident.id, incident.title, attempt=attempt)
        kit.sandbox.workspace.create_channel(name, is_private=False, creator="U0ALICE")

    failed = kit.assembler(max_name_attempts=2).assemble(incident.id)

    assert failed.status is IncidentStatus.ASSEMBLY_FAILED and failed.channel_id is None
    failure = kit.audit.events(incident.id)[-1]
    assert failure.action is AuditAction.ASSEMBLY_FAILED
    assert "name_taken" in failure.details["reason"]
    notice = kit.sandbox.workspace.channel(ANNOUNCE).messages[-1]
    assert "Could not open the war room" in notice.text and incident.id in notice.text

    room = kit.assembler(max_name_attempts=3).assemble(incident.id)
    assert room.status is IncidentStatus.INVESTIGATING and is_assembled(room)
    assert room.channel_name == channel_name(incident.id, incident.title, attempt=2)


def test_people_who_cannot_be_invited_are_named_in_the_room(kit: WarRoomKit) -> None:
    incident = kit.new_incident(
        oncall=["alice@example.com", "ghost@example.com", "U0NOBODY", "pager-duty-team"]
    )
    room = kit.assembler().assemble(incident.id)

    channel = kit.sandbox.workspace.channel(room.channel_id or "")
    assert {"U0ALICE", "U0CAROL"} <= set(channel.members)
    report = next(m.text for m in channel.messages if "could not be set up" in m.text)
    assert "ghost@example.com: no Slack user with this email" in report
    assert "U0NOBODY: user_not_found" in report
    assert "pager-duty-team: neither an email nor a Slack user id" in report
    failed = [
        sorted(e.details["failures"])
        for e in kit.audit.events(incident.id)
        if e.action is AuditAction.RESPONDER_INVITE_FAILED
    ]
    assert failed == [["U0NOBODY", "ghost@example.com", "pager-duty-team"]]
    assert room.status is IncidentStatus.INVESTIGATING


def test_a_failed_bookmark_does_not_fail_the_room(kit: WarRoomKit) -> None:
    incident = kit.new_incident(
        links=[
            Link(title="Runbook", url="ftp://files.example/runbook"),  # Slack: invalid_link
            Link(title="Dashboard", url="https://grafana.example/d/checkout"),
        ]
    )
    room = kit.assembler().assemble(incident.id)

    assert room.status is IncidentStatus.INVESTIGATING
    channel = kit.sandbox.workspace.channel(room.channel_id or "")
    report = next(m.text for m in channel.messages if "could not be set up" in m.text)
    assert "bookmark Runbook: invalid_link" in report
    assert [b.link for b in channel.bookmarks] == ["https://grafana.example/d/checkout"]
    assert room.assembly[StepName.BOOKMARKS.value].detail["urls"] == [channel.bookmarks[0].link]


def test_responders_resolve_concurrently_under_the_bound(kit: WarRoomKit) -> None:
    kit.sandbox.faults.set_latency(0.05, "users.lookupByEmail")
    incident = kit.new_incident(oncall=[])
    kit.assembler(max_lookup_concurrency=3).assemble(incident.id)
    lookups = sorted(c.at for c in kit.sandbox.calls("users.lookupByEmail"))
    assert len(lookups) == TEAM_SIZE
    # With a bound of 3, the 4th lookup can only start once one of the first 3 finished.
    assert lookups[3] - lookups[0] >= 0.04


def test_a_dead_directory_still_opens_the_room_and_says_so(kit: WarRoomKit) -> None:
    state = WorkOSState(api_key="sk_test", faults=[(500, {})] * 3)
    with fake_workos(state) as url:
        workos = WorkOSDirectory(
            "sk_test", base_url=url, team_groups={"payments": "g1"}, sleep=lambda _: None
        )
        room = kit.assembler(directory=workos).assemble(kit.new_incident().id)

    assert room.status is IncidentStatus.INVESTIGATING
    channel = kit.sandbox.workspace.channel(room.channel_id or "")
    assert {"U0ALICE", "U0BOB"} <= set(channel.members)  # the alert's own on-call people
    report = next(m.text for m in channel.messages if "could not be set up" in m.text)
    assert "directory for team payments was unavailable" in report


@pytest.mark.slow  # the Slack client backs off through ten 500s
def test_a_card_and_checklist_posted_but_not_pinned_are_pinned_on_retry_not_posted_again(
    kit: WarRoomKit,
) -> None:
    incident = kit.new_incident()
    kit.sandbox.faults.server_error("pins.add", times=10)  # beyond the client's own retries
    first = kit.assembler().assemble(incident.id)
    kit.sandbox.faults.clear()
    assert StepName.CHECKLIST.value not in first.assembly
    assert first.room_card_ts  # recorded before the pin, so the retry knows the message

    room = kit.assembler().assemble(incident.id)

    channel = kit.sandbox.workspace.channel(room.channel_id or "")
    checklists = [m.ts for m in channel.messages if m.text.startswith("Checklist for ")]
    cards = [m.ts for m in channel.messages if "marshal.card" in str(m.blocks)]
    assert cards == [first.room_card_ts] == [room.room_card_ts]
    assert checklists == [room.checklist_ts]
    assert [p.ts for p in channel.pins] == [room.room_card_ts, room.checklist_ts]
    assert StepName.CHECKLIST.value in room.assembly
    assert kit.actions(incident.id).count(AuditAction.CHECKLIST_PINNED) == 1


class AuditOutage(SqliteAuditLog):
    """The real audit log, unreachable for the first append of one action (a throttled or
    partitioned store at the worst moment: between a step's Slack call and its record)."""

    def __init__(self, audit: SqliteAuditLog, action: AuditAction) -> None:
        super().__init__(audit.database, keys=audit.keys)
        self._action = action
        self.tripped = False

    def append(self, incident_id: str, **options: Any) -> AuditEvent:
        if options["action"] is self._action and not self.tripped:
            self.tripped = True
            raise BackendUnavailable("audit log unreachable")
        return super().append(incident_id, **options)


def test_an_audit_outage_at_a_step_leaves_it_to_redo_never_unaudited(kit: WarRoomKit) -> None:
    incident = kit.new_incident()
    outage = AuditOutage(kit.audit, AuditAction.WAR_ROOM_CREATED)
    with pytest.raises(BackendUnavailable):
        kit.assembler(audit=outage).assemble(incident.id)
    assert outage.tripped
    halfway = kit.store.get(incident.id)
    assert halfway is not None and StepName.CHANNEL.value not in halfway.assembly

    room = kit.assembler().assemble(incident.id)

    assert room.status is IncidentStatus.INVESTIGATING and is_assembled(room)
    assert kit.calls("conversations.create") == 1  # the retry adopted the room it had made
    created = [e for e in kit.audit.events(incident.id) if e.action is AuditAction.WAR_ROOM_CREATED]
    assert len(created) == 1 and created[0].details["channel_id"] == room.channel_id
