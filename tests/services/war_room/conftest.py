"""War-room fixtures: the real SQLite store and audit log, the sandbox Slack through the real
gateway, and a directory file. Each test gets a fresh sandbox workspace and database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.directory.static_file import StaticFileDirectory
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit import AuditAction
from bot.domain.models import AlertSource, Incident, Link
from bot.domain.severity import Severity
from bot.observability.metrics import Metrics
from bot.ports.audit import AuditLog
from bot.ports.directory import Directory
from bot.sandbox.records import User
from bot.sandbox.server import SandboxSlack
from bot.services.war_room.assembler import StepHook, WarRoomAssembler
from bot.services.war_room.checklist import ChecklistConfig
from bot.slack.gateway import WebClientSlackGateway, build_web_client

ANNOUNCE = "C0INCIDENTS"
TEAM_SIZE = 6


def team_member(n: int) -> User:
    return User(f"U1TEAM{n:03d}", f"member{n}", f"member{n}@example.com")


@dataclass
class WarRoomKit:
    sandbox: SandboxSlack
    store: SqliteIncidentStore
    audit: SqliteAuditLog
    slack: WebClientSlackGateway
    directory: Directory
    metrics: Metrics
    assembled: list[Incident] = field(default_factory=list)

    def assembler(
        self,
        *,
        after_step: StepHook | None = None,
        directory: Directory | None = None,
        announce_channel: str | None = ANNOUNCE,
        audit: AuditLog | None = None,
        **options: Any,
    ) -> WarRoomAssembler:
        return WarRoomAssembler(
            self.store,
            audit or self.audit,
            self.slack,
            directory or self.directory,
            self.metrics,
            announce_channel=announce_channel,
            checklist_config=ChecklistConfig(),
            on_assembled=self.assembled.append,
            after_step=after_step,
            **options,
        )

    def new_incident(self, **changes: Any) -> Incident:
        fields: dict[str, Any] = {
            "source": AlertSource.GENERIC,
            "group_key": f"g-{len(self.store.list_incidents(open_only=False).items)}",
            "title": "Checkout 5xx above 20%",
            "severity": Severity.P1,
            "service": "checkout",
            "team": "payments",
            "description": "error rate high",
            "links": [
                Link(title="Runbook", url="https://runbooks.example/checkout"),
                Link(title="Dashboard", url="https://grafana.example/d/checkout"),
            ],
            "oncall": ["alice@example.com", "U0BOB"],
        }
        fields.update(changes)
        incident, created = self.store.create_if_absent(Incident(**fields))
        assert created
        return incident

    def calls(self, method: str) -> int:
        return len([c for c in self.sandbox.calls(method) if c.ok])

    def actions(self, incident_id: str) -> list[AuditAction]:
        return [event.action for event in self.audit.events(incident_id)]


@pytest.fixture
def directory_file(tmp_path: Path) -> Path:
    path = tmp_path / "directory.yaml"
    members = ", ".join(team_member(n).email or "" for n in range(TEAM_SIZE))
    path.write_text(f"payments: [{members}, U0CAROL]\n")
    return path


@pytest.fixture
def kit(sandbox: SandboxSlack, tmp_path: Path, directory_file: Path) -> Iterator[WarRoomKit]:
    sandbox.reset()
    for n in range(TEAM_SIZE):
        sandbox.workspace.add_user(team_member(n))
    database = SqliteDatabase(tmp_path / "marshal.db")
    slack = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    yield WarRoomKit(
        sandbox=sandbox,
        store=SqliteIncidentStore(database),
        audit=SqliteAuditLog(database),
        slack=slack,
        directory=StaticFileDirectory.load(directory_file),
        metrics=Metrics(),
    )
    database.close()


class SimulatedCrash(Exception):
    """Raised from the step hook: the process 'dies' right after a step was recorded."""


def crash_after(step_name: str) -> Callable[[Any], None]:
    def hook(step: Any) -> None:
        if step == step_name:
            raise SimulatedCrash(step_name)

    return hook
