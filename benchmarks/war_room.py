"""War-room assembly latency: alert received -> room assembled, against the sandbox Slack.

    .venv/bin/python benchmarks/war_room.py --incidents 30 --latency-ms 50 --responders 25

Every Slack Web API call is delayed by the sandbox (its faults object); responders are emails
resolved with users.lookupByEmail; the store is SQLite in a temporary directory. The floor is
the longest chain of Slack calls that must run one after another (create the channel, then
post the checklist, then pin it; or create, then the two bookmarks in order) times the delay.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bot.adapters.directory.static_file import StaticFileDirectory
from bot.adapters.sqlite.audit_log import SqliteAuditLog
from bot.adapters.sqlite.database import SqliteDatabase
from bot.adapters.sqlite.incident_store import SqliteIncidentStore
from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident, Link
from bot.domain.severity import Severity
from bot.observability.metrics import Metrics
from bot.sandbox.records import User
from bot.sandbox.server import SandboxSlack
from bot.services.war_room.assembler import WarRoomAssembler
from bot.services.war_room.checklist import ChecklistConfig
from bot.slack.gateway import WebClientSlackGateway, build_web_client

SEQUENTIAL_SLACK_CALLS = 3  # conversations.create -> chat.postMessage -> pins.add


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run(incidents: int, latency: float, responders: int, concurrency: int) -> int:
    people = [
        User(f"U2BENCH{n:03d}", f"bench{n}", f"bench{n}@example.com") for n in range(responders)
    ]
    with tempfile.TemporaryDirectory() as tmp, SandboxSlack(users=people) as sandbox:
        directory_file = Path(tmp) / "directory.yaml"
        directory_file.write_text(f"bench: [{', '.join(p.email or '' for p in people)}]\n")
        database = SqliteDatabase(Path(tmp) / "bench.db")
        store = SqliteIncidentStore(database)
        assembler = WarRoomAssembler(
            store,
            SqliteAuditLog(database),
            WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url)),
            StaticFileDirectory.load(directory_file),
            Metrics(),
            announce_channel="C0INCIDENTS",
            checklist_config=ChecklistConfig(),
            max_lookup_concurrency=concurrency,
        )
        sandbox.faults.set_latency(latency)
        timings: list[float] = []
        for n in range(incidents):
            incident, _ = store.create_if_absent(
                Incident(
                    source=AlertSource.GENERIC,
                    group_key=f"bench-{n}",
                    title=f"Benchmark incident {n}",
                    severity=Severity.P1,
                    service="bench",
                    team="bench",
                    links=[
                        Link(title="Runbook", url=f"https://runbooks.example/{n}"),
                        Link(title="Dashboard", url=f"https://grafana.example/{n}"),
                    ],
                )
            )
            started = time.perf_counter()
            room = assembler.assemble(incident.id)
            timings.append(time.perf_counter() - started)
            if room.status is not IncidentStatus.INVESTIGATING:
                print(f"incident {n} ended {room.status.value}")
                return 1
        calls = len(sandbox.calls())
        database.close()
    floor = SEQUENTIAL_SLACK_CALLS * latency
    # With at most `concurrency` lookups in flight, the emails resolve in waves; the invite
    # waits for the last wave, so that chain is waves + 1 calls long.
    waves = -(-responders // concurrency)
    bounded_floor = max(SEQUENTIAL_SLACK_CALLS, waves + 1) * latency
    p50, p99 = percentile(timings, 0.5), percentile(timings, 0.99)
    print(
        f"{incidents} incidents, {responders} responders by email, {latency * 1000:.0f} ms per "
        f"Slack call, lookup bound {concurrency}, {calls / incidents:.0f} Slack calls per room"
    )
    print(f"p50 {p50 * 1000:.0f} ms   p99 {p99 * 1000:.0f} ms   max {max(timings) * 1000:.0f} ms")
    verdict = 0
    for label, base in (
        (f"floor, {SEQUENTIAL_SLACK_CALLS} sequential calls", floor),
        (f"floor with {waves} lookup waves + invite", bounded_floor),
    ):
        target = 1.3 * base + 0.1
        within = p99 <= target
        verdict = verdict or (0 if within else 2)
        print(
            f"{label}: {base * 1000:.0f} ms; target 1.3 x floor + 100 ms = "
            f"{target * 1000:.0f} ms; p99 {'within' if within else 'OVER'}"
        )
    return verdict


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=30)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--responders", type=int, default=25)
    parser.add_argument("--lookup-concurrency", type=int, default=8)
    args = parser.parse_args()
    return run(args.incidents, args.latency_ms / 1000, args.responders, args.lookup_concurrency)


if __name__ == "__main__":
    raise SystemExit(main())
