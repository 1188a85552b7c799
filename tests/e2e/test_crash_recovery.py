"""Crash recovery on the embedded default: `marshal up` on SQLite SIGKILLed while alerts flow,
restarted on the same file (the drill and its invariants: tests/e2e/crash_drill.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.draft_store import SqliteDraftStore
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.sandbox.server import SandboxSlack
from tests.e2e.crash_drill import Deployment, run_crash_drill

pytestmark = pytest.mark.slow  # a crash drill: marshal SIGKILLed while alerts flow

SEED = int(os.environ.get("MARSHAL_CRASH_SEED", "1122"))


@pytest.mark.timeout(600)  # a drill under a loaded CI machine, not a timing claim
def test_sigkill_while_alerts_flow_loses_nothing_and_opens_one_room_each(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "marshal.db"
    with SandboxSlack() as slack:
        database = SqliteDatabase(db_path)
        deployment = Deployment(
            parts=("up",),
            env={
                "MARSHAL_DB_PATH": str(db_path),
                "SLACK_BOT_TOKEN": slack.bot_token,
                "SLACK_APP_TOKEN": slack.app_token,
                "SLACK_API_URL": slack.api_url,
                "MARSHAL_ANNOUNCE_CHANNEL": "C0INCIDENTS",
                "MARSHAL_TRIAGE_CHANNEL": "C0TRIAGE",
            },
            store=SqliteIncidentStore(database),
            audit=SqliteAuditLog(database),
            drafts=SqliteDraftStore(database),
            kills=3,
        )
        run_crash_drill(tmp_path, slack, deployment, SEED)
