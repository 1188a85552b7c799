"""A running marshal Slack app against the sandbox Slack over real sockets, on a temp SQLite store.

One app per test module (the sandbox fixture is module-scoped too); each test makes its own
war-room channel and incident, so tests never see each other's state.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.domain.models import Alert, AlertSource, Incident, Role
from bot.domain.severity import Severity
from bot.ports.audit import AuditLog
from bot.ports.store import IncidentStore
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.slack.gateway import build_web_client
from bot.slack.wiring import RunningSlack
from bot.wiring.slack import SlackFeatures, SlackSide, build_slack_side, start_slack_app
from bot.wiring.stores import build_audit_log, build_store
from tests.eventually import eventually

APPROVER = "U0DAVE"
_names = itertools.count(1)


@dataclass
class Harness:
    sandbox: SandboxSlack
    control: SandboxControl
    store: IncidentStore
    audit: AuditLog
    side: SlackSide  # the one gateway, permissions, gate and drafting the app runs on
    slack: RunningSlack
    submitted: list[Alert] = field(default_factory=list)

    def war_room(
        self,
        *,
        ic: str | None = None,
        members: tuple[str, ...] = ("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE"),
        title: str = "checkout errors",
    ) -> Incident:
        """A private channel with the bot and `members`, and an open incident bound to it."""
        channel = self.side.gateway.create_private_channel(f"inc-test-{next(_names)}")
        self.side.gateway.invite(channel.id, list(members))
        candidate = Incident(
            source=AlertSource.GENERIC,
            group_key=f"test:{channel.id}",
            title=title,
            severity=Severity.P2,
            roles={Role.IC: ic} if ic else {},
        )
        incident, created = self.store.create_if_absent(candidate)
        assert created
        bound = incident.model_copy(update={"channel_id": channel.id, "channel_name": channel.name})
        return self.store.update(bound, expected_version=incident.version)

    def run(self, user: str, channel: str, text: str) -> dict[str, Any]:
        """Runs `/marshal text`; returns the ack payload (the immediate reply)."""
        delivered = self.control.run_command(user, channel, text)
        assert delivered.acked, f"not acked within Slack's 3 s: {text!r}"
        return delivered.ack_payload or {}

    def reply_text(self, user: str, channel: str, text: str) -> str:
        return str(self.run(user, channel, text).get("text", ""))

    def incident(self, incident_id: str) -> Incident:
        found = self.store.get(incident_id)
        assert found is not None
        return found

    def ephemerals(self, channel: str, user: str) -> list[str]:
        return [
            str(e.get("text", ""))
            for e in self.control.channel(channel)["ephemerals"]
            if e.get("to_user") == user
        ]


def start_sandbox_slack(
    sandbox: SandboxSlack,
    settings: Settings,
    store: IncidentStore,
    audit: AuditLog,
    features: SlackFeatures,
) -> tuple[SlackSide, RunningSlack]:
    """The processor's Slack side and Bolt app, connected to the sandbox Slack."""
    side = build_slack_side(
        settings, store, audit, build_web_client(sandbox.bot_token, sandbox.api_url)
    )
    running = start_slack_app(
        settings, store, audit, side, app_token=sandbox.app_token, features=features
    )
    return side, running


@pytest.fixture(scope="module")
def harness(sandbox: SandboxSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    db: Path = tmp_path_factory.mktemp("slack") / "marshal.db"
    settings = Settings(marshal_db_path=db, marshal_approvers=[APPROVER])
    store = build_store(settings)
    audit = build_audit_log(settings)
    submitted: list[Alert] = []

    def submit_alert(alert: Alert) -> Incident:
        submitted.append(alert)
        incident, _ = store.create_if_absent(Incident.from_alert(alert))
        return incident

    side, running = start_sandbox_slack(
        sandbox, settings, store, audit, SlackFeatures(submit_alert)
    )
    control = SandboxControl(sandbox.url)
    eventually(lambda: sandbox.hub.connection_count > 0)
    yield Harness(sandbox, control, store, audit, side, running, submitted)
    running.stop()
