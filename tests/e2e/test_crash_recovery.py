"""Crash recovery: `marshal up` SIGKILLed while alerts flow, restarted on the same files.

The sandbox Slack runs in this test's process, so what marshal did in Slack outlives each
killed instance. A sender retries every alert until it gets a 2xx, as Alertmanager and
PagerDuty do. When the last instance has settled, the invariants of DESIGN.md section 4 hold:
nothing accepted is lost, one room per incident, an intact audit chain.

Messages a resumed step may legitimately post twice: a step is recorded after its Slack call
returns, so a kill between the two makes the next instance redo the call. The context message,
the checklist and the announcement can therefore appear once more per kill that landed inside
that step; never more, and exactly one checklist stays pinned (the one the incident records).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.audit import AuditAction
from bot.domain.models import Incident
from bot.ingest.catalog import CATALOG
from bot.sandbox.records import Channel
from bot.sandbox.server import SandboxSlack
from bot.services.war_room.assembler import is_assembled
from bot.services.war_room.channel_name import short_id
from bot.services.war_room.steps import StepName
from tests.e2e.conftest import MarshalProcess, start_marshal
from tests.web.conftest import SECRETS

SEED = int(os.environ.get("MARSHAL_CRASH_SEED", "1122"))
GROUPS = 24
SENDS_PER_GROUP = 3
KILLS = 3
SEND_WINDOW_SECONDS = 4.0
SETTLE_SECONDS = 30.0
_SEVERITIES = ("P1", "P2", "P2", "P3")


@dataclass(frozen=True)
class Alert:
    group: str
    severity: str
    at: float  # seconds after the first send


@dataclass
class Sent:
    alert: Alert
    status: int
    incident_id: str
    attempts: int


class Marshal:
    """The instance currently running; the killer replaces it, the senders read its URL."""

    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self._tmp_path = tmp_path
        self._env = env
        self._lock = threading.Lock()
        self.instance: MarshalProcess = start_marshal(tmp_path, "up", **env)
        self.kills = 0

    @property
    def url(self) -> str:
        with self._lock:
            return self.instance.url

    def kill_and_restart(self) -> None:
        with self._lock:
            self.instance.kill()
            self.kills += 1
        restarted = start_marshal(self._tmp_path, "up", **self._env)
        with self._lock:
            self.instance = restarted

    def stop(self) -> None:
        code, _ = self.instance.stop(timeout=15)
        self.instance.close()
        assert code == 0


def _alerts(rng: random.Random) -> list[Alert]:
    alerts = [
        Alert(f"crash-{n:02d}", rng.choice(_SEVERITIES), rng.uniform(0, SEND_WINDOW_SECONDS))
        for n in range(GROUPS)
        for _ in range(SENDS_PER_GROUP)
    ]
    return sorted(alerts, key=lambda a: a.at)


def _body(alert: Alert) -> bytes:
    return json.dumps(
        {
            "dedup_key": alert.group,
            "status": "firing",
            "title": f"Crash drill {alert.group}",
            "severity": alert.severity,
            "service": "checkout",
            "links": [{"title": "Dashboard", "url": f"https://grafana.example.org/{alert.group}"}],
        }
    ).encode()


def _send_until_accepted(marshal: Marshal, alert: Alert, deadline: float) -> Sent:
    body = _body(alert)
    attempts = 0
    while time.monotonic() < deadline:
        attempts += 1
        headers = {
            "Content-Type": "application/json",
            **CATALOG["generic"].sign(SECRETS["generic"], body, int(time.time())),
        }
        request = urllib.request.Request(
            f"{marshal.url}/webhooks/generic", data=body, method="POST", headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                answer = json.loads(response.read())
                return Sent(alert, response.status, answer["incident_id"], attempts)
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException):
            pass  # refused, reset, a 5xx/4xx or a torn answer: the sender tries again
        time.sleep(0.05)
    raise AssertionError(f"{alert.group} was never accepted after {attempts} attempts")


def _send_all(marshal: Marshal, alerts: list[Alert]) -> list[Sent]:
    started = time.monotonic()
    deadline = started + SETTLE_SECONDS

    def send(alert: Alert) -> Sent:
        time.sleep(max(0.0, started + alert.at - time.monotonic()))
        return _send_until_accepted(marshal, alert, deadline)

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="sender") as pool:
        return list(pool.map(send, alerts))


def _settled(store: SqliteIncidentStore, ids: set[str]) -> list[Incident] | None:
    incidents = [store.get(i) for i in ids]
    found = [i for i in incidents if i is not None]
    if len(found) != len(ids):
        return None
    for incident in found:
        if incident.severity.value in ("P1", "P2") and not is_assembled(incident):
            return None
        if incident.severity.value == "P3" and (
            StepName.TRIAGE_ANNOUNCEMENT.value not in incident.assembly
        ):
            return None
    return found


def _wait_settled(store: SqliteIncidentStore, ids: set[str]) -> list[Incident]:
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if found := _settled(store, ids):
            return found
        time.sleep(0.2)
    pending = {
        i.id: (i.status.value, sorted(i.assembly))
        for i in (store.get(n) for n in ids)
        if i is not None
    }
    raise AssertionError(f"not settled in {SETTLE_SECONDS}s: {pending}")


def _messages(channel: Channel, text: str) -> int:
    return sum(1 for m in channel.messages if m.text == text)


def test_sigkill_while_alerts_flow_loses_nothing_and_opens_one_room_each(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    print(f"crash recovery: seed {SEED} (set MARSHAL_CRASH_SEED to replay)")
    alerts = _alerts(rng)
    with SandboxSlack() as slack:
        env = {
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_APP_TOKEN": slack.app_token,
            "SLACK_API_URL": slack.api_url,
            "MARSHAL_ANNOUNCE_CHANNEL": "C0INCIDENTS",
            "MARSHAL_TRIAGE_CHANNEL": "C0TRIAGE",
        }
        marshal = Marshal(tmp_path, env)
        try:
            with ThreadPoolExecutor(max_workers=1) as background:
                sending = background.submit(_send_all, marshal, alerts)
                for _ in range(KILLS):
                    time.sleep(rng.uniform(0.3, 1.5))
                    marshal.kill_and_restart()
                sent = sending.result()
            store = SqliteIncidentStore(SqliteDatabase(tmp_path / "marshal.db"))
            incidents = {i.id: i for i in _wait_settled(store, {s.incident_id for s in sent})}
            marshal.stop()
        finally:
            if marshal.instance.process.poll() is None:
                marshal.instance.kill()
        retried = sum(1 for s in sent if s.attempts > 1)
        print(f"crash recovery: {marshal.kills} kills, {retried} of {len(sent)} sends retried")
        assert marshal.kills == KILLS

        # Every 2xx has its incident, and one group is one incident however often it was sent.
        assert all(200 <= s.status < 300 for s in sent)
        by_group: dict[str, set[str]] = {}
        for s in sent:
            by_group.setdefault(s.alert.group, set()).add(s.incident_id)
        assert all(len(ids) == 1 for ids in by_group.values()), by_group
        assert len(incidents) == GROUPS

        rooms = [c for c in slack.workspace.channels.values() if c.is_private]
        severe = [i for i in incidents.values() if i.severity.value in ("P1", "P2")]
        assert len(rooms) == len(severe), "an orphan or a missing room"
        announcements = slack.workspace.channels["C0INCIDENTS"].messages
        triage = slack.workspace.channels["C0TRIAGE"].messages
        for incident in severe:
            named = [c for c in rooms if short_id(incident.id) in c.name]
            assert [c.id for c in named] == [incident.channel_id], incident.id
            room = named[0]
            assert [p.ts for p in room.pins] == [incident.checklist_ts]
            assert _messages(room, f"{incident.severity.value} incident: {incident.title}") >= 1
            assert _messages(room, f"{incident.severity.value} incident: {incident.title}") <= (
                1 + KILLS
            )
            checklists = [m for m in room.messages if m.text.startswith("Checklist for ")]
            assert 1 <= len(checklists) <= 1 + KILLS
            announced = [m for m in announcements if f"<#{room.id}>" in m.text]
            assert 1 <= len(announced) <= 1 + KILLS
        for incident in incidents.values():
            if incident.severity.value == "P3":
                assert not incident.channel_id
                noticed = [m for m in triage if incident.id in m.text]
                assert 1 <= len(noticed) <= 1 + KILLS
        # Duplicates are the exception: a kill interrupts at most one room per consumer worker
        # (2), and in it at most the context message and the checklist, both in flight at once.
        reposts = sum(len([m for m in c.messages if m.bot_id]) - 2 for c in rooms)
        print(f"crash recovery: {reposts} messages reposted by resumed steps")
        assert reposts <= 2 * 2 * KILLS

        audit = SqliteAuditLog(SqliteDatabase(tmp_path / "marshal.db"))
        for incident_id in incidents:
            actions = [e.action for e in audit.events(incident_id)]
            assert actions.count(AuditAction.INCIDENT_CREATED) == 1, (incident_id, actions)
        verify = subprocess.run(
            [sys.executable, "-m", "bot", "audit", "verify"],
            env=marshal.instance.env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert f"ok: {GROUPS} incidents" in verify.stdout
