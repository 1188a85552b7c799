"""The WarRoomAssembler's `on_assembled` hook plans the room's nudges and IC reminder at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.directory.static_file import StaticFileDirectory
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.sqlite.local_queue import LocalQueue
from bot.domain.models import AlertSource, Incident
from bot.domain.severity import Severity
from bot.observability.metrics import Metrics
from bot.sandbox.server import SandboxSlack
from bot.services.nudges.scheduler import JobKind, NudgeScheduler
from bot.services.war_room.assembler import WarRoomAssembler
from bot.services.war_room.checklist import ChecklistConfig
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from bot.wiring.nudges import nudge_policy
from tests.nudges.conftest import settings


def test_assembly_hands_the_room_to_the_scheduler(tmp_path: Path, sandbox: SandboxSlack) -> None:
    database = SqliteDatabase(tmp_path / "marshal.db")
    store, audit = SqliteIncidentStore(database), SqliteAuditLog(database)
    slack = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    directory_file = tmp_path / "directory.yaml"
    directory_file.write_text("payments: [U0ALICE]\n")
    queue = LocalQueue(tmp_path / "queue.db")
    config = settings(marshal_reminder_ic_unclaimed="5m")
    scheduler = NudgeScheduler(store, audit, slack, queue, nudge_policy(config))
    assembler = WarRoomAssembler(
        store,
        audit,
        slack,
        StaticFileDirectory.load(directory_file),
        Metrics(),
        announce_channel=None,
        checklist_config=ChecklistConfig(),
        on_assembled=scheduler.schedule_incident,
    )
    incident, _ = store.create_if_absent(
        Incident(
            source=AlertSource.GENERIC,
            group_key="hook",
            title="Checkout 5xx",
            severity=Severity.P1,
            team="payments",
        )
    )
    try:
        assembled = assembler.assemble(incident.id)
        assert assembled.channel_id and assembled.assembled_at
        plans = scheduler.planned()
        nudge = plans[(JobKind.NUDGE, incident.id)]
        assert (nudge.due.slot, nudge.due.at) == (1, assembled.assembled_at + timedelta(hours=1))
        reminder = plans[(JobKind.IC_UNCLAIMED, incident.id)]
        assert reminder.due.at == assembled.assembled_at + timedelta(minutes=5)
    finally:
        scheduler.stop()
        queue.close()
        database.close()
