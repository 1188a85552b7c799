"""Fallback responders: a room whose alert resolves nobody is staffed from
MARSHAL_DEFAULT_RESPONDERS (users, and groups expanded), and the room says so."""

from __future__ import annotations

from bot.adapters.directory.static_file import StaticFileDirectory
from bot.sandbox.records import User, UserGroup
from tests.services.war_room.conftest import WarRoomKit


def _room_texts(kit: WarRoomKit, channel_id: str) -> list[str]:
    return [m.text for m in kit.sandbox.workspace.channel(channel_id).messages]


def test_nobody_resolved_invites_the_default_users_and_groups(kit: WarRoomKit) -> None:
    kit.sandbox.workspace.add_user(User("U0DEFAULT", "default", "default@example.com"))
    kit.sandbox.workspace.add_user(User("U0ONCALL1", "oncall1", "oncall1@example.com"))
    kit.sandbox.workspace.add_usergroup(UserGroup("S0ONCALL", "oncall", "On-call", ["U0ONCALL1"]))
    incident = kit.new_incident(oncall=[], team="nobody-knows")
    assembler = kit.assembler(
        directory=StaticFileDirectory({}), default_responders=("U0DEFAULT", "S0ONCALL")
    )

    room = assembler.assemble(incident.id)

    channel = kit.sandbox.workspace.channel(room.channel_id or "")
    assert {"U0DEFAULT", "U0ONCALL1"} <= set(channel.members)
    note = [t for t in _room_texts(kit, channel.id) if "default responders" in t]
    assert len(note) == 1 and "<@U0DEFAULT>" in note[0] and "<@U0ONCALL1>" in note[0]
    assert room.assembly["invites"].detail["fallback"] is True


def test_nobody_resolved_and_no_defaults_says_nobody_else_was_invited(kit: WarRoomKit) -> None:
    incident = kit.new_incident(oncall=[], team="nobody-knows")

    room = kit.assembler(directory=StaticFileDirectory({})).assemble(incident.id)

    texts = _room_texts(kit, room.channel_id or "")
    assert any("Nobody else was invited" in t and "MARSHAL_DEFAULT_RESPONDERS" in t for t in texts)


def test_a_declared_incident_invites_the_declarer_and_the_defaults(kit: WarRoomKit) -> None:
    kit.sandbox.workspace.add_user(User("U0DEFAULT", "default", "default@example.com"))
    incident = kit.new_incident(
        oncall=["U0ALICE"], team=None, service=None, labels={"declared_by": "U0ALICE"}
    )
    assembler = kit.assembler(directory=StaticFileDirectory({}), default_responders=("U0DEFAULT",))

    room = assembler.assemble(incident.id)

    channel = kit.sandbox.workspace.channel(room.channel_id or "")
    assert {"U0ALICE", "U0DEFAULT"} <= set(channel.members)
    assert any("<@U0DEFAULT>" in t for t in _room_texts(kit, channel.id))


def test_a_resolved_team_gets_no_fallback(kit: WarRoomKit) -> None:
    kit.sandbox.workspace.add_user(User("U0DEFAULT", "default", "default@example.com"))
    incident = kit.new_incident()

    room = kit.assembler(default_responders=("U0DEFAULT",)).assemble(incident.id)

    channel = kit.sandbox.workspace.channel(room.channel_id or "")
    assert "U0DEFAULT" not in channel.members
    assert not any("No responders were found" in t for t in _room_texts(kit, channel.id))
