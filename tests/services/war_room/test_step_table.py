"""The assembly's step table: the channel first and critical, then the room steps side by
side, naming exactly the steps `is_assembled` checks for; the optional snapshot and similar
incidents come after the assembled mark."""

from __future__ import annotations

from bot.adapters.context.config_file import ContextFile
from bot.services.war_room.context_snapshot import ContextSnapshotter
from bot.services.war_room.steps import OPTIONAL_ROOM_STEPS, ROOM_STEPS, StepName
from tests.services.war_room.conftest import WarRoomKit


def test_the_channel_comes_first_then_the_room_steps_side_by_side(kit: WarRoomKit) -> None:
    channel, room = kit.assembler().stages
    assert [s.name for s in channel.steps] == [StepName.CHANNEL]
    assert channel.steps[0].critical and not channel.side_by_side
    assert room.side_by_side
    assert [s.name for s in room.steps] == list(ROOM_STEPS)
    assert not any(s.critical for s in room.steps)


def test_a_configured_context_snapshot_runs_after_the_assembled_mark(kit: WarRoomKit) -> None:
    snapshotter = ContextSnapshotter(ContextFile({}))
    assembler = kit.assembler(context_snapshot=snapshotter)
    _, room = assembler.stages
    assert [s.name for s in room.steps] == list(ROOM_STEPS)
    assert [s.name for s in assembler.after_assembly] == [StepName.CONTEXT_SNAPSHOT]
    assert StepName.CONTEXT_SNAPSHOT in OPTIONAL_ROOM_STEPS
