"""Build the approval gate's pieces from settings: the DraftStore of MARSHAL_STORE, the
Statuspage.io client (or the unconfigured stand-in that says what to set), and the gate."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.sqlite.draft_store import SqliteDraftStore
from bot.adapters.statuspage.client import StatuspageClient
from bot.adapters.statuspage.unconfigured import UnconfiguredStatusPage
from bot.gates.approval_rules import MayApprove
from bot.gates.status_page import StatusPageApprovalGate
from bot.ports.audit import AuditLog
from bot.ports.drafts import DraftStore
from bot.ports.status_page import StatusPage
from bot.ports.store import IncidentStore
from bot.settings import Settings
from bot.wiring.stores import sqlite_database


def build_draft_store(settings: Settings) -> DraftStore:
    if settings.marshal_store == "dynamodb":
        from bot.wiring.dynamodb import dynamo_draft_store  # noqa: PLC0415 - AWS SDK on demand

        return dynamo_draft_store(settings)
    return SqliteDraftStore(sqlite_database(settings))


def build_status_page(settings: Settings) -> StatusPage:
    if settings.statuspage_api_key is None or not settings.statuspage_page_id:
        return UnconfiguredStatusPage()
    return StatuspageClient.from_settings(settings)


def build_status_page_gate(
    settings: Settings, store: IncidentStore, audit: AuditLog, may_approve: MayApprove
) -> StatusPageApprovalGate:
    return StatusPageApprovalGate(
        drafts=build_draft_store(settings),
        audit=audit,
        incidents=store,
        status_page=build_status_page(settings),
        may_approve=may_approve,
        two_person_rule=settings.marshal_two_person_rule,
        approvers_configured=bool(settings.marshal_approvers),
        publish_lease=timedelta(seconds=settings.marshal_publish_lease_seconds),
    )
