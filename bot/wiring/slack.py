"""The Slack side of a process, built once: one gateway over one WebClient, one
IncidentPermissions (so one approver-group cache), one status-page approval gate, its
drafting service and its review buttons; then the command registry and the Bolt app.

start_processor builds the side first, so the nudges, the war room and the resolve flow get
these same parts when they are constructed, and hands the app its routes last.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from slack_sdk import WebClient

from bot.commands.catalog import build_command_registry
from bot.commands.declare import SubmitAlert
from bot.gates.status_page import StatusPageApprovalGate
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore
from bot.services.followups.desk import FollowUpDesk
from bot.services.nudges.silence import NudgeSilence
from bot.services.operations.previews import OperationPreviews
from bot.services.paging.commands import PagingCommands
from bot.services.permissions import IncidentPermissions
from bot.services.resolution.starter import ResolutionStarter
from bot.services.status_drafts.drafting import StatusPageDrafting
from bot.services.timeline_capture import TimelineCapture
from bot.services.war_room.checklist import ChecklistService
from bot.services.war_room.room_commands import Assembler
from bot.settings import Settings
from bot.slack.actions import ActionRoute, ViewRoute
from bot.slack.dedup import DeliveryDedup
from bot.slack.gateway import WebClientSlackGateway
from bot.slack.resolved_guard import guard_resolved
from bot.slack.status_review import StatusPageReview
from bot.slack.wiring import RunningSlack, SlackRoutes, start_slack
from bot.wiring.status_page import build_status_page_gate


class PagingFeatures(Protocol):
    """What the app takes of paging (bot/wiring/paging.py's PagingStack)."""

    @property
    def commands(self) -> PagingCommands: ...

    @property
    def actions(self) -> tuple[ActionRoute, ...]: ...


@dataclass(frozen=True)
class SlackSide:
    web_client: WebClient
    gateway: WebClientSlackGateway
    permissions: IncidentPermissions
    gate: StatusPageApprovalGate
    drafting: StatusPageDrafting  # every status-page draft starts here
    review: StatusPageReview  # the drafts' buttons


def build_slack_side(
    settings: Settings, store: IncidentStore, audit: AuditLog, web_client: WebClient
) -> SlackSide:
    gateway = WebClientSlackGateway(web_client)
    permissions = IncidentPermissions(settings.marshal_approvers, gateway)
    gate = build_status_page_gate(settings, store, audit, permissions.may_approve)
    drafting = StatusPageDrafting(gate, gateway)
    return SlackSide(
        web_client, gateway, permissions, gate, drafting, StatusPageReview(gate, gateway)
    )


@dataclass(frozen=True)
class SlackFeatures:
    """What the app offers beyond the core commands; slim test apps leave most of it out."""

    submit_alert: SubmitAlert
    actions: Sequence[ActionRoute] = field(default_factory=tuple)
    views: Sequence[ViewRoute] = field(default_factory=tuple)
    silence: NudgeSilence | None = None
    assembler: Assembler | None = None
    checklist: ChecklistService | None = None
    resolution: ResolutionStarter | None = None
    followups: FollowUpDesk | None = None
    operations: OperationPreviews | None = None  # `runbook` and `run`
    paging: PagingFeatures | None = None  # its commands and buttons


def start_slack_app(
    settings: Settings,
    store: IncidentStore,
    audit: AuditLog,
    side: SlackSide,
    *,
    app_token: str,
    features: SlackFeatures,
) -> RunningSlack:
    """The command registry and the Bolt app over `side`, connected over Socket Mode."""
    registry = build_command_registry(
        store=store,
        audit=audit,
        slack=side.gateway,
        permissions=side.permissions,
        submit_alert=features.submit_alert,
        command=settings.marshal_command,
        status_drafting=side.drafting,
        silence=features.silence,
        assembler=features.assembler,
        checklist=features.checklist,
        resolution=features.resolution,
        followups=features.followups,
        operations=features.operations,
        paging=features.paging.commands if features.paging else None,
    )
    review_actions, review_views = side.review.routes()
    paging_actions = features.paging.actions if features.paging else ()
    capture = TimelineCapture(
        store, audit, side.gateway, reaction=settings.marshal_timeline_reaction
    )
    routes = SlackRoutes(
        settings.marshal_command,
        registry,
        capture,
        # buttons a resolve retired answer that the incident is resolved
        actions=guard_resolved(
            (*features.actions, *review_actions, *paging_actions), store, settings.marshal_command
        ),
        views=(*features.views, *review_views),
    )
    dedup = DeliveryDedup(store, owner=f"{socket.gethostname()}:{os.getpid()}")
    return start_slack(side.web_client, app_token, routes, dedup)
