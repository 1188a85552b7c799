"""War-room assembly latency: alert received -> room assembled, against the sandbox Slack.

    .venv/bin/python benchmarks/war_room.py --incidents 30 --latency-ms 50 --responders 25

The war room is built the way `marshal processor` builds it (bot/wiring/war_room.py): the
watched store with the live incident cards refreshing in the background, similar incidents,
the announce channel. Every Slack Web API call is delayed by the sandbox (its faults object);
responders are emails resolved with users.lookupByEmail; the store is SQLite in a temporary
directory. "Assembled" is the incident's own mark (`assembly_seconds`: the alert's receipt to
`assembled_at`, when the channel exists, the responders are invited and the checklist is
posted and pinned); what runs after the mark (similar incidents) is timed apart.

The floor is the chain of Slack calls a room cannot avoid: create the channel, post the
checklist, pin it. By default all incidents share one team, so its first room looks the 25
emails up (reported on its own line) and the rest find them in the lookup cache; with
`--teams N` the incidents take turns over N teams of their own people, so `--teams 30`
makes every room look all its responders up.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from bot.domain.lifecycle import IncidentStatus
from bot.domain.models import AlertSource, Incident, Link
from bot.domain.severity import Severity
from bot.sandbox.records import User
from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.slack.gateway import WebClientSlackGateway, build_web_client
from bot.wiring.backends import open_backends
from bot.wiring.incident_cards import watch_incidents
from bot.wiring.process import ProcessGroup
from bot.wiring.war_room import build_war_room

SEQUENTIAL_SLACK_CALLS = 3  # conversations.create -> chat.postMessage -> pins.add


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run(incidents: int, latency: float, responders: int, teams: int) -> int:
    people = [
        User(f"U2B{t:03d}X{n:03d}", f"bench{t}-{n}", f"bench{t}-{n}@example.com")
        for t in range(teams)
        for n in range(responders)
    ]
    group = ProcessGroup()
    with tempfile.TemporaryDirectory() as tmp, SandboxSlack(users=people) as sandbox:
        directory_file = Path(tmp) / "directory.yaml"
        emails = [p.email or "" for p in people]
        directory_file.write_text(
            "".join(
                f"team{t}: [{', '.join(emails[t * responders : (t + 1) * responders])}]\n"
                for t in range(teams)
            )
        )
        settings = Settings(
            marshal_db_path=Path(tmp) / "bench.db",
            marshal_directory_file=directory_file,
            marshal_announce_channel="C0INCIDENTS",
            marshal_audit_key=SecretStr("benchmark-audit-key"),
        )
        backends = watch_incidents(open_backends(settings))
        slack = WebClientSlackGateway(build_web_client(sandbox.bot_token, sandbox.api_url))
        assembler = build_war_room(settings, backends, slack, group=group).assembler
        sandbox.faults.set_latency(latency)
        assembled: list[float] = []
        returned: list[float] = []
        for n in range(incidents):
            incident, _ = backends.store.create_if_absent(
                Incident(
                    source=AlertSource.GENERIC,
                    group_key=f"bench-{n}",
                    title=f"Benchmark incident {n}",
                    severity=Severity.P1,
                    service="bench",
                    team=f"team{n % teams}",
                    links=[
                        Link(title="Runbook", url=f"https://runbooks.example/{n}"),
                        Link(title="Dashboard", url=f"https://grafana.example/{n}"),
                    ],
                )
            )
            started = time.perf_counter()
            room = assembler.assemble(incident.id)
            returned.append(time.perf_counter() - started)
            if room.status is not IncidentStatus.INVESTIGATING or room.assembly_seconds is None:
                print(f"incident {n} ended {room.status.value}")
                return 1
            assembled.append(room.assembly_seconds)
        calls = len(sandbox.calls())
        group.stop()
        backends.close()
    floor = SEQUENTIAL_SLACK_CALLS * latency
    target = 1.3 * floor + 0.1
    p50, p99 = percentile(assembled, 0.5), percentile(assembled, 0.99)
    print(
        f"{incidents} incidents, {responders} responders by email, {latency * 1000:.0f} ms per "
        f"Slack call, {teams} team(s), {calls / incidents:.0f} Slack calls per room "
        "(the card refresher's included)"
    )
    print(f"first room (its team's lookups not cached): {assembled[0] * 1000:.0f} ms")
    print(
        f"alert -> assembled: p50 {p50 * 1000:.0f} ms   p99 {p99 * 1000:.0f} ms   "
        f"max {max(assembled) * 1000:.0f} ms"
    )
    back50, back99 = percentile(returned, 0.5), percentile(returned, 0.99)
    print(
        "assemble() returned (after the post-assembly steps): "
        f"p50 {back50 * 1000:.0f} ms   p99 {back99 * 1000:.0f} ms"
    )
    within = p50 <= target
    print(
        f"floor, {SEQUENTIAL_SLACK_CALLS} sequential calls: {floor * 1000:.0f} ms; target "
        f"p50 <= 1.3 x floor + 100 ms = {target * 1000:.0f} ms: {'met' if within else 'MISSED'}"
    )
    return 0 if within else 2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=30)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--responders", type=int, default=25)
    parser.add_argument("--teams", type=int, default=1)
    args = parser.parse_args()
    return run(args.incidents, args.latency_ms / 1000, args.responders, max(1, args.teams))


if __name__ == "__main__":
    raise SystemExit(main())
