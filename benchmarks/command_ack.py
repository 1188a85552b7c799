"""Slash-command ack latency through the sandbox Slack, 20 open incidents, concurrent users.

    .venv/bin/python benchmarks/command_ack.py [--threads 4] [--commands 50]

Starts the sandbox Slack and marshal's Slack app (Socket Mode over a real websocket) on a
temporary SQLite store, opens 20 incidents with war rooms, then has N threads each run M
commands (status, note, timeline, list) and prints the ack latency p50/p99 as the sandbox
measured it (envelope sent -> ack received) and as the caller saw it (control round trip).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bot.domain.models import Alert, AlertSource, Incident
from bot.domain.severity import Severity
from bot.sandbox.control_client import SandboxControl
from bot.sandbox.server import SandboxSlack
from bot.settings import Settings
from bot.slack.gateway import build_web_client
from bot.wiring.slack import SlackFeatures, build_slack_side, start_slack_app
from bot.wiring.stores import build_audit_log, build_store

INCIDENTS = 20
USERS = ("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE")
COMMANDS = ("status", "note benchmark note", "timeline", "list")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--commands", type=int, default=50)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, SandboxSlack() as sandbox:
        settings = Settings(marshal_db_path=Path(tmp) / "marshal.db")
        store, audit = build_store(settings), build_audit_log(settings)

        def submit_alert(alert: Alert) -> Incident:
            return store.create_if_absent(Incident.from_alert(alert))[0]

        slack = build_slack_side(
            settings, store, audit, build_web_client(sandbox.bot_token, sandbox.api_url)
        )
        running = start_slack_app(
            settings,
            store,
            audit,
            slack,
            app_token=sandbox.app_token,
            features=SlackFeatures(submit_alert),
        )
        while sandbox.hub.connection_count == 0:
            time.sleep(0.01)
        channels = []
        for n in range(INCIDENTS):
            channel = slack.gateway.create_private_channel(f"inc-bench-{n}")
            slack.gateway.invite(channel.id, list(USERS))
            incident, _ = store.create_if_absent(
                Incident(
                    source=AlertSource.GENERIC,
                    group_key=f"bench:{n}",
                    title=f"benchmark incident {n}",
                    severity=Severity.P2,
                )
            )
            store.update(
                incident.model_copy(update={"channel_id": channel.id}),
                expected_version=incident.version,
            )
            channels.append(channel.id)

        control = SandboxControl(sandbox.url)
        server_ms: list[float] = []
        caller_ms: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def worker(index: int) -> None:
            for k in range(args.commands):
                channel = channels[(index * args.commands + k) % len(channels)]
                text = COMMANDS[k % len(COMMANDS)]
                started = time.perf_counter()
                delivered = control.run_command(USERS[index % len(USERS)], channel, text)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    caller_ms.append(elapsed)
                    if delivered.acked and delivered.ack_ms is not None:
                        server_ms.append(delivered.ack_ms)
                    else:
                        failures.append(text)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall
        running.stop()

    total = args.threads * args.commands
    print(f"{total} commands, {args.threads} threads, {INCIDENTS} open incidents, {wall:.2f}s")
    print(
        f"ack (sandbox-measured): p50 {statistics.median(server_ms):.1f} ms, "
        f"p99 {percentile(server_ms, 0.99):.1f} ms, max {max(server_ms):.1f} ms"
    )
    print(
        f"round trip (caller):    p50 {statistics.median(caller_ms):.1f} ms, "
        f"p99 {percentile(caller_ms, 0.99):.1f} ms"
    )
    print(f"not acked within 3 s: {len(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
