"""Webhook ingestion: throughput and latency per request kind, then an alert storm.

    .venv/bin/python benchmarks/ingest.py --requests 2000 --clients 8 --storm 10000 --groups 20
    .venv/bin/python benchmarks/ingest.py --backend aws --requests 500 --storm 2000

`--backend aws` runs `marshal webhook` on DynamoDB + SQS FIFO in a fresh moto server (its own
process, on loopback) and reports, next to req/s and latency, the AWS calls per request of
each kind, read from the webhook's own counter (`marshal_aws_calls_total` on /metrics,
bot/adapters/aws/call_count.py); background calls (the lazy outbox marks) are included, after
waiting for them to settle.

Next to each kind's req/s it prints the webhook process's CPU per request (user + system,
from /proc), which a shared machine's load bends much less than throughput.

Starts `marshal webhook` (uvicorn + Starlette on SQLite and the local durable queue, in a temp
directory) as its own process and drives it over loopback with keep-alive HTTP clients. Three
kinds of request are measured separately: fresh alerts (each a new notification of one of a few
groups), duplicates (the same notification re-sent) and bad signatures. The storm fires
Alertmanager notifications of `--groups` groups concurrently and checks that exactly that many
incidents exist, that every 2xx answer's alert is counted on its incident, and that every
accepted notification has its queue event: nothing accepted is lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aws_calls import AwsCalls, moto_backend
from launch import launch

from bot.ingest.signatures import sign_alertmanager, sign_generic
from bot.settings import Settings
from bot.wiring.backends import Backends, open_backends

SECRET = "bench-secret"
Request = tuple[str, bytes, dict[str, str]]


class Client:
    """One keep-alive connection per thread."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._local = threading.local()

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = http.client.HTTPConnection(self._host, self._port, timeout=30)
        conn.request("POST", path, body, {"Content-Type": "application/json", **headers})
        response = conn.getresponse()
        response.read()
        return response.status


def generic(dedup_key: str, title: str = "Checkout error rate above 5%") -> Request:
    body = json.dumps(
        {"dedup_key": dedup_key, "status": "firing", "title": title, "severity": "P3"}
    ).encode()
    return "/webhooks/generic", body, sign_generic(SECRET, body, int(time.time()))


def alertmanager(group: int, n: int) -> Request:
    labels = {"alertname": f"Storm{group}", "severity": "warning", "instance": f"host-{n}"}
    body = json.dumps(
        {
            "version": "4",
            "groupKey": f'{{}}:{{alertname="Storm{group}"}}',
            "status": "firing",
            "receiver": "marshal",
            "groupLabels": {"alertname": f"Storm{group}"},
            "commonLabels": {"alertname": f"Storm{group}"},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager.local",
            "alerts": [
                {
                    "status": "firing",
                    "labels": labels,
                    "annotations": {"summary": f"storm alert {n}"},
                    "startsAt": "2026-11-22T00:00:00Z",
                    "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": f"{group:04d}{n:012d}",
                }
            ],
        }
    ).encode()
    return "/webhooks/alertmanager", body, sign_alertmanager(SECRET)


def measure(
    client: Client, requests: list[Request], clients: int
) -> tuple[float, list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def one(request: Request) -> None:
        started = time.perf_counter()
        status = client.post(*request)
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, requests))
    return time.perf_counter() - started, latencies, statuses


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used (Linux /proc): a per-request cost that a busy
    shared machine bends far less than it bends req/s."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(name: str, wall: float, latencies: list[float], statuses: dict[int, int]) -> None:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"{name:<14} {len(latencies):>6} req  {len(latencies) / wall:8.0f} req/s  "
        f"p50 {statistics.median(ordered) * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms  "
        f"statuses {dict(sorted(statuses.items()))}"
    )


def storm(
    client: Client,
    backends: Backends,
    total: int,
    groups: int,
    clients: int,
    calls: AwsCalls | None = None,
) -> None:
    requests = [alertmanager(i % groups, i) for i in range(total)]
    before = calls.settled() if calls else None
    wall, latencies, statuses = measure(client, requests, clients)
    report("storm", wall, latencies, statuses)
    if calls and before is not None:
        print(calls.per_request("storm", before, total))
    incidents = [
        i
        for i in backends.store.list_incidents(open_only=True, limit=1000).items
        if i.title.startswith("Storm") or "Storm" in i.group_key
    ]
    accepted = statuses.get(202, 0) + statuses.get(200, 0)
    counted = sum(i.alert_count for i in incidents)
    queued = _queued_events(backends)
    print(
        f"storm result: {len(incidents)} incidents for {groups} groups; "
        f"{accepted} accepted, {counted} counted on incidents, {queued} events queued"
    )
    ok = len(incidents) == groups and counted == accepted == total and queued >= total
    print("storm verdict:", "OK, nothing lost" if ok else "FAILED")


def _queued_events(backends: Backends) -> int:
    count = 0
    while deliveries := backends.queue.receive(max_messages=10, wait_seconds=0):
        for delivery in deliveries:
            count += 1
            backends.queue.ack(delivery)
    return count


def start_webhook(tmp: Path, **backend: str) -> tuple[subprocess.Popen[str], str, dict[str, str]]:
    return launch(
        tmp,
        "webhook",
        MARSHAL_SECRET_GENERIC=SECRET,
        MARSHAL_SECRET_ALERTMANAGER=SECRET,
        **backend,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--storm", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--backend", choices=["sqlite", "aws"], default="sqlite")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, moto_backend(args.backend, Path(tmp)) as aws:
        process, url, env = start_webhook(Path(tmp), **aws)
        try:
            host, port = url.removeprefix("http://").rsplit(":", 1)
            client = Client(host, int(port))
            calls = AwsCalls(url) if aws else None
            print(
                f"machine: {platform.machine()}, {os.cpu_count()} cores, "
                f"{platform.python_implementation()} {platform.python_version()}, "
                f"clients={args.clients}, backend={args.backend}, load {os.getloadavg()[0]:.2f}"
            )
            kinds: dict[str, Callable[[int], Request]] = {
                "fresh": lambda n: generic(f"bench-{n}"),
                "duplicate": lambda n: generic("bench-0"),
                "bad-signature": lambda n: (
                    "/webhooks/generic",
                    generic(f"bad-{n}")[1],
                    {"X-Marshal-Timestamp": str(int(time.time())), "X-Marshal-Signature": "v1=00"},
                ),
            }
            for name, make in kinds.items():
                requests = [make(n) for n in range(args.requests)]
                before = calls.settled() if calls else None
                cpu = cpu_seconds(process.pid)
                report(name, *measure(client, requests, args.clients))
                used = cpu_seconds(process.pid) - cpu
                print(f"{'':<14} webhook process CPU {used * 1e6 / args.requests:.0f} us/request")
                if calls and before is not None:
                    print(calls.per_request(name, before, args.requests))
            if args.storm:
                overrides: dict[str, Any] = {
                    k.lower(): v for k, v in aws.items() if k.startswith("MARSHAL_")
                }
                backends = open_backends(
                    Settings(
                        _env_file=None,
                        marshal_db_path=Path(env["MARSHAL_DB_PATH"]),
                        **overrides,
                    )
                )
                _queued_events(backends)
                cpu = cpu_seconds(process.pid)
                storm(client, backends, args.storm, args.groups, args.clients, calls)
                used = cpu_seconds(process.pid) - cpu
                print(f"storm webhook process CPU {used * 1e6 / args.storm:.0f} us/request")
        finally:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
