"""`marshal mcp`'s parts: the operator services over the backends, and with --allow-writes
this process's own write side (bot/wiring/write_side.py), so the write tools run the very
subcommands Slack runs."""

from __future__ import annotations

from bot.mcp.server import current_caller
from bot.mcp.tools import OperatorTools
from bot.services.operator.incident_detail import IncidentDetailReader
from bot.services.operator.incident_queue import IncidentQueue
from bot.services.operator.similar import SimilarIncidents
from bot.settings import Settings
from bot.wiring.backends import Backends
from bot.wiring.followups import build_followup_store
from bot.wiring.operator_api import operator_commands
from bot.wiring.status_page import build_draft_store
from bot.wiring.write_side import writing_side


def build_operator_tools(
    settings: Settings, backends: Backends, *, allow_writes: bool
) -> OperatorTools:
    store, audit = backends.store, backends.audit
    writes = writing_side(settings, backends) if allow_writes else None
    return OperatorTools(
        queue=IncidentQueue(store),
        reader=IncidentDetailReader(store, audit, build_draft_store(settings)),
        similar=SimilarIncidents(store),
        commands=operator_commands(store, audit, backends.queue, writes),
        caller=current_caller,
        followups=build_followup_store(settings),
    )
