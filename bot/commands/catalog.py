"""build_command_registry: the one list of subcommands, one `register` line each."""

from __future__ import annotations

from bot.commands.ack import AckCommand
from bot.commands.assemble import AssembleCommand
from bot.commands.bulk import BulkCommand
from bot.commands.change import ChangeCommand
from bot.commands.checklist import ChecklistCommand
from bot.commands.correlate import CorrelateCommand
from bot.commands.declare import DeclareCommand, SubmitAlert
from bot.commands.escalate import EscalateCommand
from bot.commands.escalation import EscalationCommand
from bot.commands.followup import FollowupCommand
from bot.commands.followups import FollowupsCommand
from bot.commands.help import HelpCommand
from bot.commands.invite import InviteCommand
from bot.commands.list_incidents import ListCommand
from bot.commands.note import NoteCommand
from bot.commands.page import PageCommand
from bot.commands.postmortem import PostmortemCommand
from bot.commands.registry import CommandLimits, CommandRegistry
from bot.commands.reopen import ReopenCommand
from bot.commands.report import ReportCommand
from bot.commands.resolve import ResolveCommand
from bot.commands.role import RoleCommand
from bot.commands.run import RunCommand
from bot.commands.runbook import RunbookCommand
from bot.commands.severity import SeverityCommand
from bot.commands.silence import SilenceCommand
from bot.commands.state import StateCommand
from bot.commands.status import StatusCommand, StatusDrafting
from bot.commands.timeline import TimelineCommand
from bot.commands.unsilence import UnsilenceCommand
from bot.ports.audit import AuditLog
from bot.ports.slack import SlackGateway
from bot.ports.store import IncidentStore
from bot.services.followups.correlation import IncidentCorrelation
from bot.services.followups.desk import FollowUpDesk
from bot.services.nudges.silence import NudgeSilence
from bot.services.operations.previews import OperationPreviews
from bot.services.paging.commands import PagingCommands
from bot.services.permissions import IncidentPermissions
from bot.services.resolution.reopening import RoomReopening
from bot.services.resolution.starter import ResolutionStarter
from bot.services.war_room.checklist import ChecklistService
from bot.services.war_room.room_commands import Assembler


def build_command_registry(
    *,
    store: IncidentStore,
    audit: AuditLog,
    slack: SlackGateway,
    permissions: IncidentPermissions,
    submit_alert: SubmitAlert,
    command: str = "/marshal",
    limits: CommandLimits | None = None,
    status_drafting: StatusDrafting | None = None,
    silence: NudgeSilence | None = None,
    assembler: Assembler | None = None,
    checklist: ChecklistService | None = None,
    resolution: ResolutionStarter | None = None,
    followups: FollowUpDesk | None = None,
    operations: OperationPreviews | None = None,
    paging: PagingCommands | None = None,
) -> CommandRegistry:
    # Without the scheduler's hook a silence still holds at once (each nudge re-reads it);
    # the plan itself catches up on the scheduler's next reconcile.
    nudge_silence = silence or NudgeSilence(store, audit)
    registry = CommandRegistry(store, audit, command=command, limits=limits)
    registry.register(HelpCommand(registry))
    registry.register(StatusCommand(status_drafting))
    on_ack = paging.control.acknowledged if paging is not None else None
    registry.register(AckCommand(store, audit, on_acknowledged=on_ack))
    registry.register(StateCommand(store, audit))
    registry.register(SeverityCommand(store, audit, permissions))
    registry.register(RoleCommand(store, audit, slack, permissions))
    registry.register(NoteCommand(store, audit))
    registry.register(TimelineCommand(store))
    registry.register(InviteCommand(slack, audit))
    registry.register(ListCommand(store))
    registry.register(DeclareCommand(submit_alert))
    registry.register(ReportCommand(store))
    registry.register(PostmortemCommand(store, audit, permissions))
    registry.register(SilenceCommand(nudge_silence))
    registry.register(UnsilenceCommand(nudge_silence))
    registry.register(CorrelateCommand(IncidentCorrelation(store, audit)))
    registry.register(ChangeCommand(store, audit))
    if assembler is not None:  # the processor always has one; slim test registries may not
        registry.register(AssembleCommand(assembler, store))
    if checklist is not None:
        registry.register(ChecklistCommand(checklist, store))
    if resolution is not None:
        registry.register(ResolveCommand(resolution, permissions))
        reopening = RoomReopening(slack, audit, resolution)
        registry.register(ReopenCommand(store, audit, reopening, permissions))
    if followups is not None:
        registry.register(FollowupCommand(followups))
        registry.register(FollowupsCommand(followups))
    if operations is not None:
        registry.register(RunbookCommand(operations.config.catalog))
        registry.register(RunCommand(operations, slack))
    if paging is not None:
        registry.register(PageCommand(paging.by_hand))
        registry.register(EscalateCommand(paging.control))
        registry.register(EscalationCommand(paging.control))
        registry.register(BulkCommand(paging.bulk))
    return registry
