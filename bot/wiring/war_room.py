"""The war room's parts: directory, assembler, checklist and their Slack entry points."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from bot.adapters.context.config_file import ContextFile
from bot.adapters.directory.static_file import StaticFileDirectory
from bot.adapters.pagers.pagerduty_rest import PagerDutyIncidents
from bot.adapters.settings_file import load_yaml_setting
from bot.domain.errors import ConfigurationError
from bot.domain.models import Incident
from bot.events.alert_received import AlertReceivedHandler
from bot.ports.slack import SlackGateway
from bot.services.followups.similarity import SimilarIncidents
from bot.services.war_room.assembler import WarRoomAssembler
from bot.services.war_room.checklist import ChecklistConfig, ChecklistService
from bot.services.war_room.context_snapshot import ContextSnapshotter
from bot.settings import Settings
from bot.slack.actions import ActionRoute
from bot.slack.checklist_actions import ChecklistActionHandler
from bot.slack.vocabulary import ActionId
from bot.wiring.backends import Backends
from bot.wiring.followups import build_followup_store
from bot.wiring.incident_cards import start_cards
from bot.wiring.process import ProcessGroup


@dataclass(frozen=True)
class WarRoom:
    assembler: WarRoomAssembler
    checklist: ChecklistService
    on_alert: AlertReceivedHandler
    actions: tuple[ActionRoute, ...]


def build_war_room(
    settings: Settings,
    backends: Backends,
    slack: SlackGateway,
    *,
    on_assembled: Callable[[Incident], None] | None = None,
    group: ProcessGroup | None = None,
) -> WarRoom:
    """With `group` and a watched store (bot/wiring/incident_cards.py), the live incident
    cards are started in it too and their Join button is among the routes."""
    directory = (
        StaticFileDirectory.load(settings.marshal_directory_file)
        if settings.marshal_directory_file
        else StaticFileDirectory({})
    )
    snapshot = (
        ContextSnapshotter(ContextFile.load(settings.marshal_context_file))
        if settings.marshal_context_file
        else None
    )
    config = checklist_config(settings.marshal_checklist_file)
    # Who is on call, from PagerDuty REST, when its token is set (docs/paging.md).
    oncall = (
        PagerDutyIncidents(
            settings.pagerduty_api_url,
            settings.pagerduty_api_token,
            settings.pagerduty_from,
            timeout=5.0,
        )
        if settings.pagerduty_api_token and settings.pagerduty_from
        else None
    )
    assembler = WarRoomAssembler(
        backends.store,
        backends.audit,
        slack,
        directory,
        backends.metrics,
        announce_channel=settings.marshal_announce_channel,
        checklist_config=config,
        on_assembled=on_assembled,  # the NudgeScheduler plans the room's nudges right away
        context_snapshot=snapshot,
        similar_incidents=SimilarIncidents(backends.store, build_followup_store(settings)),
        default_responders=tuple(settings.marshal_default_responders),
        public_rooms=frozenset(settings.marshal_public_rooms),
        oncall=oncall,
    )
    checklist = ChecklistService(backends.store, backends.audit, slack, config)
    ticks = ChecklistActionHandler(checklist, backends.store)
    on_alert = AlertReceivedHandler(
        assembler,
        backends.store,
        slack,
        war_room_threshold=settings.marshal_war_room_threshold,
        triage_channel=settings.marshal_triage_channel,
    )
    actions: tuple[ActionRoute, ...] = (
        ActionRoute(ActionId.TICK_CHECKLIST_ITEM, ticks),
        ActionRoute(ActionId.UNTICK_CHECKLIST_ITEM, ticks),
    )
    if group is not None:
        actions += start_cards(group, backends, slack, checklist)
    return WarRoom(assembler, checklist, on_alert, actions)


def checklist_config(path: Path | None) -> ChecklistConfig:
    """MARSHAL_CHECKLIST_FILE's items per severity, or the defaults; a bad file stops
    start-up with one line naming the variable."""
    if path is None:
        return ChecklistConfig()
    data = load_yaml_setting(path, "MARSHAL_CHECKLIST_FILE")
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"MARSHAL_CHECKLIST_FILE: {path} should map `default` and/or P1..P5 to lists of "
            "{key, label}"
        )
    try:
        return ChecklistConfig.from_mapping(data)
    except (ValidationError, ValueError, TypeError) as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigurationError(f"MARSHAL_CHECKLIST_FILE: {path}: {problem}") from exc
