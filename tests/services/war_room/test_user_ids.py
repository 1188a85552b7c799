"""UserIdsByEmail: a team's second room looks nobody up; a kept id expires, so an email that
moved to someone else resolves to them after the TTL; an unknown email is never kept."""

from __future__ import annotations

from bot.sandbox.records import User
from bot.services.war_room.user_ids import UserIdsByEmail
from tests.services.war_room.conftest import TEAM_SIZE, WarRoomKit, team_member


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_teams_second_room_looks_nobody_up(kit: WarRoomKit) -> None:
    assembler = kit.assembler()
    first = assembler.assemble(kit.new_incident().id)
    looked_up = kit.calls("users.lookupByEmail")
    second = assembler.assemble(kit.new_incident().id)

    assert looked_up == TEAM_SIZE + 1  # the team and the alert's on-call alice@
    assert kit.calls("users.lookupByEmail") == looked_up
    first_room = kit.sandbox.workspace.channel(first.channel_id or "")
    second_room = kit.sandbox.workspace.channel(second.channel_id or "")
    assert set(second_room.members) == set(first_room.members)
    assert {team_member(n).id for n in range(TEAM_SIZE)} <= set(second_room.members)


def test_a_moved_email_resolves_to_its_new_owner_once_the_ttl_passed(kit: WarRoomKit) -> None:
    clock = Clock()
    user_ids = UserIdsByEmail(kit.slack, ttl_seconds=600, timer=clock)
    moved = team_member(0)
    assert user_ids.lookup(str(moved.email).upper()) == moved.id

    kit.sandbox.workspace.add_user(User(moved.id, moved.name, "left@example.com"))
    kit.sandbox.workspace.add_user(User("U1NEWOWNER", "newowner", moved.email))
    clock.now += 599
    assert user_ids.lookup(str(moved.email)) == moved.id  # kept, not asked
    assert kit.calls("users.lookupByEmail") == 1
    clock.now += 2
    assert user_ids.lookup(str(moved.email)) == "U1NEWOWNER"
    assert kit.calls("users.lookupByEmail") == 2


def test_an_email_nobody_has_yet_is_asked_again_next_time(kit: WarRoomKit) -> None:
    user_ids = UserIdsByEmail(kit.slack)
    assert user_ids.lookup("newhire@example.com") is None

    kit.sandbox.workspace.add_user(User("U1NEWHIRE", "newhire", "newhire@example.com"))

    assert user_ids.lookup("newhire@example.com") == "U1NEWHIRE"
    asked = kit.sandbox.calls("users.lookupByEmail")
    assert [call.error for call in asked] == ["users_not_found", None]
