"""`/marshal assemble` and `/marshal checklist` through their subcommand objects."""

from __future__ import annotations

from bot.commands.assemble import AssembleCommand
from bot.commands.base import CommandContext, Outcome
from bot.commands.checklist import ChecklistCommand
from bot.domain.lifecycle import IncidentStatus
from bot.services.war_room.checklist import ChecklistConfig, ChecklistService
from tests.services.war_room.conftest import WarRoomKit


def _ctx(name: str, channel_id: str, *args: str) -> CommandContext:
    return CommandContext(
        user_id="U0ALICE", channel_id=channel_id, command="/marshal", name=name, args=list(args)
    )


def test_assemble_by_id_builds_the_room_then_reports_it_complete(kit: WarRoomKit) -> None:
    incident = kit.new_incident()
    command = AssembleCommand(kit.assembler(), kit.store)
    first = command.run(_ctx("assemble", "C0INCIDENTS", incident.id))
    stored = kit.store.get(incident.id)
    assert stored is not None and stored.status is IncidentStatus.INVESTIGATING
    assert first.outcome is Outcome.OK and "is assembled" in first.text
    again = command.run(_ctx("assemble", stored.channel_id or ""))
    assert "already complete" in again.text
    assert kit.calls("conversations.create") == 1


def test_assemble_outside_a_room_without_an_id_says_what_to_do(kit: WarRoomKit) -> None:
    reply = AssembleCommand(kit.assembler(), kit.store).run(_ctx("assemble", "C0INCIDENTS"))
    assert reply.outcome is Outcome.FAILED and "give an incident id" in reply.text


def test_checklist_command_reposts_and_pins(kit: WarRoomKit) -> None:
    room = kit.assembler().assemble(kit.new_incident().id)
    service = ChecklistService(kit.store, kit.audit, kit.slack, ChecklistConfig())
    reply = ChecklistCommand(service, kit.store).run(_ctx("checklist", room.channel_id or ""))
    assert reply.outcome is Outcome.OK
    stored = kit.store.get(room.id)
    assert stored is not None and stored.checklist_ts != room.checklist_ts
    assert kit.calls("pins.add") == 3  # the card and the checklist, then the checklist again
