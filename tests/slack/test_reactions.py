"""Timeline capture: the configured reaction on a war-room message adds and removes an entry."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.audit import AuditAction
from bot.domain.models import TimelineKind
from tests.eventually import eventually
from tests.slack.conftest import Harness


def test_pushpin_adds_the_message_and_removing_it_removes_the_entry(harness: Harness) -> None:
    room = harness.war_room()
    channel = room.channel_id
    assert channel
    ts = harness.control.post_message("U0BOB", channel, "rolled back to v41")
    harness.control.react("U0ALICE", channel, ts, "pushpin")
    entry = eventually(lambda: harness.store.find_timeline_by_ref(room.id, ts))
    assert entry.kind is TimelineKind.PINNED_MESSAGE
    assert entry.text == "rolled back to v41"
    assert entry.author == "U0BOB"
    assert entry.at == datetime.fromtimestamp(float(ts), tz=UTC)

    harness.control.react("U0ALICE", channel, ts, "pushpin", removed=True)
    # the audit event is written after the removal, so once it is there both are done
    eventually(
        lambda: AuditAction.TIMELINE_REMOVED in {e.action for e in harness.audit.events(room.id)}
    )
    assert harness.store.find_timeline_by_ref(room.id, ts) is None
    actions = [e.action for e in harness.audit.events(room.id)]
    assert actions.count(AuditAction.TIMELINE_ADDED) == 1
    assert actions.count(AuditAction.TIMELINE_REMOVED) == 1


def test_other_reactions_and_other_channels_are_ignored(harness: Harness) -> None:
    room = harness.war_room()
    assert room.channel_id
    ts = harness.control.post_message("U0BOB", room.channel_id, "lunch?")
    harness.control.react("U0ALICE", room.channel_id, ts, "tada")
    outside = harness.control.post_message("U0BOB", "C0INCIDENTS", "not a war room")
    harness.control.react("U0ALICE", "C0INCIDENTS", outside, "pushpin")
    # a later pushpin in the war room is captured, so the earlier events were processed first
    marker = harness.control.post_message("U0BOB", room.channel_id, "marker")
    harness.control.react("U0ALICE", room.channel_id, marker, "pushpin")
    eventually(lambda: harness.store.find_timeline_by_ref(room.id, marker))
    assert harness.store.find_timeline_by_ref(room.id, ts) is None
    assert [e.source_ref for e in harness.store.list_timeline(room.id)] == [marker]
