"""The operator API's parts, built once: token and idempotency stores of MARSHAL_STORE, the
token authority, the read models, the write entry points (when this process runs the Slack
side, whose command registry they go through) and the list of endpoint modules.

Adding a capability's endpoints (escalations, follow-ups, ops runs) is one module in
bot/web/api/ listing its Operations (an OperationModule) and one entry in `modules` below.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.sqlite.api_tokens import SqliteApiTokens, SqliteIdempotencyRecords
from bot.commands.ack import AckCommand
from bot.commands.declare import DeclareCommand
from bot.commands.note import NoteCommand
from bot.commands.registry import CommandRegistry
from bot.ports.api_tokens import ApiTokens, IdempotencyRecords
from bot.ports.audit import AuditLog
from bot.ports.queue import Queue
from bot.ports.store import IncidentStore
from bot.services.operator.commands import OperatorCommands
from bot.services.operator.idempotency import IdempotentWrites
from bot.services.operator.incident_detail import IncidentDetailReader
from bot.services.operator.incident_queue import IncidentQueue
from bot.services.operator.room_notices import RoomNotices
from bot.services.operator.tokens import TokenAuthority
from bot.settings import Settings
from bot.web.api.access import RateLimiter
from bot.web.api.audit_packages import AuditPackageOperations
from bot.web.api.escalations import EscalationOperations, EscalationSection
from bot.web.api.followups import FollowUpOperations, FollowUpsSection
from bot.web.api.incidents import IncidentOperations
from bot.web.api.operations import ApiDependencies
from bot.web.api.ops_runs import OpsRunOperations
from bot.wiring.audit_keys import audit_keyring
from bot.wiring.audit_packages import build_exporter
from bot.wiring.followups import build_followup_store
from bot.wiring.operations import build_runs_store
from bot.wiring.status_page import build_draft_store
from bot.wiring.stores import sqlite_database


def build_token_stores(settings: Settings) -> tuple[ApiTokens, IdempotencyRecords]:
    if settings.marshal_store == "dynamodb":
        from bot.wiring.dynamodb import dynamo_api_token_stores  # noqa: PLC0415 - on demand

        return dynamo_api_token_stores(settings)
    database = sqlite_database(settings)
    return SqliteApiTokens(database), SqliteIdempotencyRecords(database)


def build_token_authority(settings: Settings, audit: AuditLog) -> TokenAuthority:
    tokens, _ = build_token_stores(settings)
    return TokenAuthority(tokens, audit)


@dataclass(frozen=True)
class WriteSide:
    """What the writes need from a process's Slack side: its command registry (the room
    is told through the outbox, so no gateway is needed here)."""

    registry: CommandRegistry


def operator_commands(
    store: IncidentStore, audit: AuditLog, queue: Queue, writes: WriteSide | None
) -> OperatorCommands | None:
    """The writes go through the registry; without one (a webhook-only process) there are none."""
    declare = writes.registry.subcommand("declare") if writes else None
    if writes is None or not isinstance(declare, DeclareCommand):
        return None
    return OperatorCommands(writes.registry, declare, store, audit, RoomNotices(store, queue))


def console_commands(
    store: IncidentStore, audit: AuditLog, queue: Queue, writes: WriteSide | None, command: str
) -> OperatorCommands:
    """The console's writes: the same service as the API's, through the process's registry
    when it has a Slack side, else through a registry of the subcommands that need only the
    store (acknowledge, note), so the console acts in a `marshal webhook` process alone."""
    registry = writes.registry if writes else None
    if registry is None:
        registry = CommandRegistry(store, audit, command=command)
        registry.register(AckCommand(store, audit))
        registry.register(NoteCommand(store, audit))
    return OperatorCommands(registry, None, store, audit, RoomNotices(store, queue))


def build_operator_api(
    settings: Settings,
    store: IncidentStore,
    audit: AuditLog,
    queue: Queue,
    writes: WriteSide | None = None,
) -> ApiDependencies:
    tokens, records = build_token_stores(settings)
    keys = audit_keyring(settings)
    followups = build_followup_store(settings)
    reader = IncidentDetailReader(
        store,
        audit,
        build_draft_store(settings),
        sections=[FollowUpsSection(followups), EscalationSection()],
    )
    commands = operator_commands(store, audit, queue, writes)
    return ApiDependencies(
        authority=TokenAuthority(tokens, audit),
        writes=IdempotentWrites(records),
        limiter=RateLimiter(settings.marshal_api_rate_limit),
        modules=[
            IncidentOperations(IncidentQueue(store), reader, commands),
            AuditPackageOperations(build_exporter(settings, store, audit, keys)),
            FollowUpOperations(followups),
            OpsRunOperations(build_runs_store(settings)),
            EscalationOperations(commands),
        ],
    )
