"""What stands between the alert and the assembled mark, read from the sandbox's call log.

Every Web API call is held by the sandbox for a while, so calls that ran side by side show as
overlapping and calls that waited for one another do not: these tests assert the structure
(which calls overlap, which wait, what comes after the mark), never how long anything took.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.sqlite.followups import SqliteFollowUpStore
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import Incident
from bot.ports.slack_views import SimilarIncidentsView
from bot.sandbox.call_log import ApiCall
from bot.services.followups.similarity import SimilarIncidents
from bot.services.war_room.steps import StepName, is_assembled, still_after_assembly
from tests.services.war_room.conftest import TEAM_SIZE, SimulatedCrash, WarRoomKit

HELD = 0.1  # what the sandbox holds every call for: long enough to tell overlap from order


def _only(calls: list[ApiCall]) -> ApiCall:
    assert len(calls) == 1, calls
    return calls[0]


def _room_posts(kit: WarRoomKit, room: Incident) -> list[ApiCall]:
    posts = kit.sandbox.calls("chat.postMessage")
    return [c for c in posts if c.args["channel"] == room.channel_id]


def _pin_of(kit: WarRoomKit, ts: str | None) -> ApiCall:
    return _only([c for c in kit.sandbox.calls("pins.add") if c.args["timestamp"] == ts])


def test_the_card_pin_overlaps_the_checklist_post_and_the_pins_keep_their_order(
    kit: WarRoomKit,
) -> None:
    incident = kit.new_incident()
    kit.sandbox.faults.set_latency(HELD)
    room = kit.assembler().assemble(incident.id)

    create = _only(kit.sandbox.calls("conversations.create"))
    posts = _room_posts(kit, room)
    card_post = _only([c for c in posts if "marshal.card" in str(c.args.get("blocks"))])
    checklist_post = _only([c for c in posts if str(c.args["text"]).startswith("Checklist for ")])
    card_pin, checklist_pin = _pin_of(kit, room.room_card_ts), _pin_of(kit, room.checklist_ts)

    assert create.before(card_post)
    assert card_post.before(checklist_post)  # the card sits above the checklist
    assert card_pin.overlaps(checklist_post)  # not one after the other any more
    assert card_pin.before(checklist_pin) and checklist_post.before(checklist_pin)
    channel = kit.sandbox.workspace.channel(room.channel_id or "")
    assert [p.ts for p in channel.pins] == [room.room_card_ts, room.checklist_ts]
    # The mark comes once the checklist is pinned, never earlier.
    assert room.assembled_at is not None
    assert room.assembled_at.timestamp() >= (checklist_pin.answered or 0.0)


def test_the_topic_and_the_purpose_are_set_side_by_side(kit: WarRoomKit) -> None:
    incident = kit.new_incident()
    kit.sandbox.faults.set_latency(HELD)
    room = kit.assembler().assemble(incident.id)

    topic = _only(kit.sandbox.calls("conversations.setTopic"))
    purpose = _only(kit.sandbox.calls("conversations.setPurpose"))
    assert topic.overlaps(purpose)
    assert room.assembly[StepName.TOPIC.value].detail["topic"].startswith("P1 · checkout")


def test_the_lookups_overlap_the_channel_and_one_another(kit: WarRoomKit) -> None:
    incident = kit.new_incident(oncall=[])
    kit.sandbox.faults.set_latency(HELD)
    kit.assembler(max_lookup_concurrency=TEAM_SIZE).assemble(incident.id)

    lookups = kit.sandbox.calls("users.lookupByEmail")
    create = _only(kit.sandbox.calls("conversations.create"))
    invite = _only(kit.sandbox.calls("conversations.invite"))
    assert len(lookups) == TEAM_SIZE
    assert all(lookup.overlaps(create) for lookup in lookups)
    assert all(lookup.before(invite) for lookup in lookups)


def _similar_setup(kit: WarRoomKit) -> tuple[Incident, Incident, SqliteFollowUpStore]:
    earlier = kit.new_incident(group_key="g-earlier")  # same service and title: alike
    new = kit.new_incident(
        group_key="g-new", triggered_at=earlier.triggered_at + timedelta(minutes=5)
    )
    return earlier, new, SqliteFollowUpStore(kit.store.database)


def test_similar_incidents_are_posted_after_the_assembled_mark(kit: WarRoomKit) -> None:
    earlier, new, followups = _similar_setup(kit)
    kit.sandbox.faults.set_latency(HELD)
    room = kit.assembler(similar_incidents=SimilarIncidents(kit.store, followups)).assemble(new.id)

    similar = room.assembly[StepName.SIMILAR_INCIDENTS.value]
    post = _only([c for c in _room_posts(kit, room) if earlier.id in str(c.args)])
    assert room.assembled_at is not None and post.at >= room.assembled_at.timestamp()
    assert similar.done_at > room.assembled_at
    mark = room.assembly[StepName.ASSEMBLED.value]
    assert mark.detail["then"] == [StepName.SIMILAR_INCIDENTS.value]
    assert still_after_assembly(room) == []
    assert kit.assembled[0].assembled_at == room.assembled_at  # paging/nudges at the mark


class CrashingOnce(SimilarIncidents):
    """The real finder, but the process 'dies' the first time it is asked, after the mark."""

    def __init__(self, finder: SimilarIncidents) -> None:
        self._finder = finder
        self.asked = 0

    def view(self, incident: Incident) -> SimilarIncidentsView | None:
        self.asked += 1
        if self.asked == 1:
            raise SimulatedCrash("after the assembled mark")
        return self._finder.view(incident)


def test_a_crash_after_the_mark_still_posts_similar_incidents_once(kit: WarRoomKit) -> None:
    _, new, followups = _similar_setup(kit)
    finder = CrashingOnce(SimilarIncidents(kit.store, followups))
    with pytest.raises(SimulatedCrash):
        kit.assembler(similar_incidents=finder).assemble(new.id)
    crashed = kit.store.get(new.id)
    assert crashed is not None and is_assembled(crashed)
    assert crashed.status is IncidentStatus.INVESTIGATING
    assert still_after_assembly(crashed) == [StepName.SIMILAR_INCIDENTS]

    resumed = kit.assembler(similar_incidents=finder).assemble(new.id)  # the redelivery
    again = kit.assembler(similar_incidents=finder).assemble(new.id)  # and one more

    assert finder.asked == 2
    posted = [m for m in kit.sandbox.workspace.channel(resumed.channel_id or "").messages]
    similar_ts = resumed.assembly[StepName.SIMILAR_INCIDENTS.value].detail["ts"]
    assert [m.ts for m in posted if m.ts == similar_ts] == [similar_ts]
    assert again == resumed
    assert kit.calls("conversations.create") == 1 and kit.calls("pins.add") == 2
    assert len(kit.assembled) == 1  # the mark (and its paging hook) happened once


def test_a_room_assembled_before_the_mark_named_its_followers_gets_none_late(
    kit: WarRoomKit,
) -> None:
    _, new, followups = _similar_setup(kit)
    room = kit.assembler().assemble(new.id)  # no finder configured then
    assert still_after_assembly(room) == []

    again = kit.assembler(similar_incidents=SimilarIncidents(kit.store, followups)).assemble(new.id)

    assert again == room
    assert StepName.SIMILAR_INCIDENTS.value not in again.assembly


def test_a_step_the_mark_named_but_no_longer_configured_is_left_alone(kit: WarRoomKit) -> None:
    _, new, followups = _similar_setup(kit)
    finder = CrashingOnce(SimilarIncidents(kit.store, followups))
    with pytest.raises(SimulatedCrash):
        kit.assembler(similar_incidents=finder).assemble(new.id)
    crashed = kit.store.get(new.id)
    assert crashed is not None
    calls = len(kit.sandbox.calls())

    again = kit.assembler().assemble(new.id)  # similar incidents switched off meanwhile

    assert again == crashed
    assert len(kit.sandbox.calls()) == calls
