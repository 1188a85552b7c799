"""`marshal up` against a misbehaving Slack: latency, 429s, a 5xx burst, dropped sockets.

The sandbox runs in this test's process so faults are armed directly on it; marshal talks to it
as to real Slack (tokens and SLACK_API_URL set). One instance serves the module; each test uses
its own alert group, so each has its own incident and room.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.sandbox.control_client import SandboxControl, SandboxControlError
from bot.sandbox.server import SandboxSlack
from bot.services.war_room.assembler import is_assembled
from bot.services.war_room.channel_name import short_id
from tests.conftest import slack_env
from tests.e2e.conftest import MarshalProcess, start_marshal
from tests.eventually import eventually
from tests.web.conftest import Ingress

pytestmark = pytest.mark.slow  # runs marshal in subprocesses

_groups = itertools.count(1)


@dataclass
class Rig:
    slack: SandboxSlack
    control: SandboxControl
    marshal: MarshalProcess
    store: SqliteIncidentStore
    audit: SqliteAuditLog

    def fire(self, severity: str = "P1") -> str:
        group = f"fault-{next(_groups)}"
        body = json.dumps(
            {
                "dedup_key": group,
                "status": "firing",
                "title": f"Fault drill {group}",
                "severity": severity,
                "team": "payments",
            }
        ).encode()
        answer = Ingress(self.marshal.url, backends=None).post("generic", body)  # type: ignore[arg-type]
        assert answer.status == 202, answer.body
        return str(answer.body["incident_id"])

    def assembled(self, incident_id: str, timeout: float = 30.0) -> Incident:
        return eventually(lambda: _if_assembled(self.store.get(incident_id)), timeout=timeout)

    def rooms_of(self, incident_id: str) -> list[str]:
        return [
            c.id
            for c in self.slack.workspace.channels.values()
            if c.is_private and short_id(incident_id) in c.name
        ]


def _if_assembled(incident: Incident | None) -> Incident | None:
    return incident if incident is not None and is_assembled(incident) else None


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    tmp_path: Path = tmp_path_factory.mktemp("faults")
    directory = tmp_path / "directory.yaml"
    directory.write_text("payments: [U0ALICE, U0BOB, carol@example.com]\n")
    with SandboxSlack() as slack:
        marshal = start_marshal(
            tmp_path,
            "up",
            **slack_env(slack),
            MARSHAL_ANNOUNCE_CHANNEL="C0INCIDENTS",
            MARSHAL_DIRECTORY_FILE=str(directory),
        )
        database = SqliteDatabase(tmp_path / "marshal.db")
        try:
            yield Rig(
                slack,
                SandboxControl(slack.url),
                marshal,
                SqliteIncidentStore(database),
                SqliteAuditLog(database),
            )
        finally:
            slack.faults.clear()
            marshal.stop()
            marshal.close()
            database.close()


@pytest.fixture(autouse=True)
def _no_faults_left(rig: Rig) -> Iterator[None]:
    rig.slack.faults.clear()
    yield
    rig.slack.faults.clear()


def _problems(rig: Rig, channel_id: str) -> list[str]:
    channel = rig.slack.workspace.channel(channel_id)
    return [m.text for m in channel.messages if "could not be set up" in m.text]


def test_added_latency_slows_the_room_but_it_is_still_one_complete_room(rig: Rig) -> None:
    rig.slack.faults.set_latency(0.2)
    incident = rig.assembled(rig.fire())
    assert rig.rooms_of(incident.id) == [incident.channel_id]
    assert _problems(rig, incident.channel_id or "") == []


@pytest.mark.parametrize(
    ("method", "times"),
    [("conversations.create", 1), ("chat.postMessage", 2), ("conversations.invite", 1)],
)
def test_a_429_is_waited_out_not_turned_into_a_failure(rig: Rig, method: str, times: int) -> None:
    before = len(rig.slack.calls(method))
    rig.slack.faults.rate_limit(method, times=times, retry_after=1)
    incident = rig.assembled(rig.fire())

    calls = rig.slack.calls(method)[before:]
    limited = [c for c in calls if c.status == 429]
    assert len(limited) == times
    # every rate-limited call was followed by a successful retry
    assert calls[-1].ok and calls.index(limited[-1]) < len(calls) - 1
    assert rig.rooms_of(incident.id) == [incident.channel_id]
    assert _problems(rig, incident.channel_id or "") == []
    members = rig.slack.workspace.channel(incident.channel_id or "").members
    assert {"U0ALICE", "U0BOB", "U0CAROL"} <= set(members)


def test_a_5xx_burst_is_retried_and_the_room_completes(rig: Rig) -> None:
    before = len(rig.slack.calls())
    rig.slack.faults.server_error(times=3, status=503)
    incident = rig.assembled(rig.fire())
    failed = [c for c in rig.slack.calls()[before:] if c.status == 503]
    assert len(failed) == 3
    assert rig.rooms_of(incident.id) == [incident.channel_id]
    assert _problems(rig, incident.channel_id or "") == []


def _command_deliveries(rig: Rig, text: str) -> list[dict[str, Any]]:
    return [
        d.to_json()
        for d in rig.slack.deliveries()
        if d.type == "slash_commands" and d.payload.get("text") == text
    ]


@pytest.mark.parametrize("graceful", [True, False], ids=["disconnect-message", "socket-closed"])
def test_after_a_dropped_socket_a_command_is_answered_exactly_once(
    rig: Rig, graceful: bool
) -> None:
    incident = rig.assembled(rig.fire())
    room = incident.channel_id or ""
    opened = len(rig.slack.calls("apps.connections.open"))
    runs_before = _command_runs(rig, incident.id)

    assert rig.slack.faults.drop_connections(graceful=graceful) >= 1
    eventually(lambda: len(rig.slack.calls("apps.connections.open")) > opened, timeout=30)
    text = f"note after a {'graceful' if graceful else 'hard'} drop"

    def run_once_connected() -> bool:
        try:
            rig.control.run_command("U0ALICE", room, text)
        except SandboxControlError as exc:  # no live socket yet: nothing was delivered
            assert not _command_deliveries(rig, text), exc
            return False
        return True

    eventually(run_once_connected, timeout=30)
    [delivered] = _command_deliveries(rig, text)
    assert delivered["acked"] and delivered["retry_attempt"] == 0
    notes = eventually(
        lambda: [e for e in rig.store.list_timeline(incident.id) if e.text == text[5:]], timeout=30
    )
    assert len(notes) == 1
    assert _command_runs(rig, incident.id) == runs_before + 1


def _command_runs(rig: Rig, incident_id: str) -> int:
    return [e.action for e in rig.audit.events(incident_id)].count(AuditAction.COMMAND_RUN)
