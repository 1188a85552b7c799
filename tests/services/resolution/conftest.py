"""Resolve-flow fixtures: SQLite store, audit log and local queue, the sandbox Slack through
the real gateway, a markdown tracker in tmp_path, and a room with an incident in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.adapters.sqlite.local_queue import LocalQueue
from bot.adapters.tracker.markdown_file import MarkdownFileTracker
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident, Role
from bot.domain.severity import Severity
from bot.ports.llm import LanguageModel
from bot.sandbox.server import SandboxSlack
from bot.services.postmortem.writer import PostmortemWriter
from bot.services.resolution.flow import ResolutionFlow
from bot.services.resolution.starter import ResolutionStarter
from bot.slack.gateway import WebClientSlackGateway, build_web_client

ANNOUNCE = "C0INCIDENTS"


@dataclass
class ResolveKit:
    sandbox: SandboxSlack
    store: SqliteIncidentStore
    audit: SqliteAuditLog
    queue: LocalQueue
    slack: WebClientSlackGateway
    postmortems: Path

    def starter(self) -> ResolutionStarter:
        return ResolutionStarter(self.store, self.audit, self.queue, archive_on_resolve=True)

    def flow(self, *, llm: LanguageModel | None = None, **options: Any) -> ResolutionFlow:
        writer = PostmortemWriter(self.store, self.audit, self.slack, llm=llm)
        options.setdefault("announce_channel", ANNOUNCE)
        return ResolutionFlow(
            self.store,
            self.audit,
            self.slack,
            writer,
            MarkdownFileTracker(self.postmortems),
            **options,
        )

    def room(self, **changes: Any) -> Incident:
        count = len(self.store.list_incidents(open_only=False).items)
        channel = self.slack.create_private_channel(f"inc-resolve-{count}")
        fields: dict[str, Any] = {
            "source": AlertSource.GENERIC,
            "group_key": f"g-{count}",
            "title": "Checkout 5xx above 20%",
            "severity": Severity.P1,
            "service": "checkout",
            "status": IncidentStatus.INVESTIGATING,
            "roles": {Role.IC: "U0ALICE"},
            "channel_id": channel.id,
            "channel_name": channel.name,
        }
        fields.update(changes)
        incident, created = self.store.create_if_absent(Incident(**fields))
        assert created
        return incident

    def messages(self, channel_id: str) -> list[str]:
        return [str(m.get("text", "")) for m in self.slack.history(channel_id, limit=200)]


@pytest.fixture
def kit(sandbox: SandboxSlack, tmp_path: Path) -> Iterator[ResolveKit]:
    sandbox.reset()
    database = SqliteDatabase(tmp_path / "marshal.db")
    slack = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
    yield ResolveKit(
        sandbox=sandbox,
        store=SqliteIncidentStore(database),
        audit=SqliteAuditLog(database),
        queue=LocalQueue(database),
        slack=slack,
        postmortems=tmp_path / "postmortems",
    )
    database.close()
